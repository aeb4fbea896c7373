package io.sppo4j.cluster.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CurvesPlotTest {

    private static List<double[]> points(int count) {
        List<double[]> points = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            points.add(new double[] {i + 1, i % 2 == 0 ? 1.0 : 3.0});
        }
        return points;
    }

    @Test
    void movingAverageStartsAtTheFirstPointAndSettlesOnTheMean() {
        List<double[]> smoothed = CurvesPlot.smooth(points(400), 10);
        assertEquals(1.0, smoothed.get(0)[1], 1e-12, "bias correction: no pull towards 0");
        assertEquals(2.0, smoothed.get(399)[1], 0.2);
        assertEquals(400.0, smoothed.get(399)[0]);
    }

    @Test
    void spanOneIsTheRawCurve() {
        List<double[]> raw = points(5);
        List<double[]> smoothed = CurvesPlot.smooth(raw, 1);
        for (int i = 0; i < raw.size(); i++) {
            assertEquals(raw.get(i)[1], smoothed.get(i)[1], 1e-12);
        }
    }

    @Test
    void thinningKeepsFirstAndLastAndBoundsTheCount() {
        assertEquals(10, CurvesPlot.thin(points(10)).size());
        List<double[]> thinned = CurvesPlot.thin(points(10_001));
        assertEquals(1.0, thinned.get(0)[0]);
        assertEquals(10_001.0, thinned.get(thinned.size() - 1)[0]);
        assertEquals(true, thinned.size() <= CurvesPlot.MAX_POINTS + 1, "size " + thinned.size());
    }
}
