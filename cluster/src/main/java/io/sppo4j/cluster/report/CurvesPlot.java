package io.sppo4j.cluster.report;

import io.sppo4j.actors.monitor.EvalRecord;
import io.sppo4j.actors.monitor.StepRecord;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Draws the two curves that say whether a run is working: win rate against the frozen reference
 * (above) and the training loss (below), on one shared step axis, as a single image.
 */
final class CurvesPlot {

    static {
        // Training runs on servers without a display; without this the first AWT call may look
        // for one. An explicit -Djava.awt.headless=false from the user still wins.
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    static final int WIDTH = 1000;
    static final int PANEL_HEIGHT = 450;

    /** XChart draws every point; beyond a few thousand a long run's plot gets slow and no clearer. */
    static final int MAX_POINTS = 2000;

    /** Far above XChart's 1e-4 equal-spacing tolerance, far below a pixel. */
    private static final double AXIS_NUDGE = 1e-3;

    private static final Color WIN_RATE = new Color(0xD6, 0x27, 0x28);
    private static final Color PARITY = new Color(0x70, 0x70, 0x70);
    private static final Color LOSS = new Color(0x1F, 0x77, 0xB4);
    private static final Color LOSS_RAW_MANY = new Color(0x1F, 0x77, 0xB4, 0x40);
    private static final Color LOSS_RAW_FEW = new Color(0x1F, 0x77, 0xB4, 0xA0);
    private static final BasicStroke SOLID = new BasicStroke(2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND);
    private static final BasicStroke DASHED = new BasicStroke(
            1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {8f, 6f}, 0f);

    private CurvesPlot() {}

    /** Encodes {@link #render} as PNG. */
    static void writePng(OutputStream out, String title, List<StepRecord> steps, List<EvalRecord> evals)
            throws IOException {
        if (!ImageIO.write(render(title, steps, evals), "png", out)) {
            throw new IOException("no PNG encoder in this JVM");
        }
    }

    /** Both charts, win rate above loss; empty lists give empty but labelled charts. */
    static BufferedImage render(String title, List<StepRecord> steps, List<EvalRecord> evals) {
        // One x range for both charts so a step sits at (nearly) the same column in each.
        long lastStep = 1;
        for (StepRecord step : steps) {
            lastStep = Math.max(lastStep, step.step());
        }
        for (EvalRecord eval : evals) {
            lastStep = Math.max(lastStep, eval.step());
        }
        BufferedImage top = BitmapEncoder.getBufferedImage(winRateChart(title, evals, lastStep));
        BufferedImage bottom = BitmapEncoder.getBufferedImage(lossChart(steps, lastStep));
        BufferedImage image = new BufferedImage(WIDTH, top.getHeight() + bottom.getHeight(), BufferedImage.TYPE_INT_RGB);
        Graphics2D graphics = image.createGraphics();
        try {
            graphics.setColor(Color.WHITE);
            graphics.fillRect(0, 0, image.getWidth(), image.getHeight());
            graphics.drawImage(top, 0, 0, null);
            graphics.drawImage(bottom, 0, top.getHeight(), null);
        } finally {
            graphics.dispose();
        }
        return image;
    }

    private static XYChart winRateChart(String title, List<EvalRecord> evals, long lastStep) {
        XYChart chart = baseChart(
                evals.isEmpty() ? title + " · win rate vs reference (no evaluations yet)" : title + " · win rate vs reference",
                "win rate vs reference", lastStep);
        chart.getStyler().setYAxisMin(0.0);
        // Nudged for the same reason as the x axis: the parity line alone would leave ticks at 0, 0.5, 1 only.
        chart.getStyler().setYAxisMax(1.0 + AXIS_NUDGE);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideSE);
        // The parity line is drawn even without evaluations: it gives the axes data, and
        // XChart needs at least one series to lay an XY chart out.
        XYSeries parity = chart.addSeries("parity (0.5)", new double[] {0, lastStep}, new double[] {0.5, 0.5});
        parity.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        parity.setMarker(SeriesMarkers.NONE);
        parity.setLineStyle(DASHED);
        parity.setLineColor(PARITY);
        List<double[]> points = new ArrayList<>();
        for (EvalRecord eval : evals) {
            if (Double.isFinite(eval.winRate())) {
                points.add(new double[] {eval.step(), eval.winRate()});
            }
        }
        if (!points.isEmpty()) {
            double[][] xy = columns(thin(points));
            XYSeries winRate = chart.addSeries("win rate", xy[0], xy[1]);
            winRate.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
            winRate.setMarker(SeriesMarkers.CIRCLE);
            winRate.setLineStyle(SOLID);
            winRate.setLineColor(WIN_RATE);
            winRate.setMarkerColor(WIN_RATE);
        }
        return chart;
    }

    private static XYChart lossChart(List<StepRecord> steps, long lastStep) {
        List<double[]> raw = new ArrayList<>();
        for (StepRecord step : steps) {
            // A diverged step (NaN or infinite loss) is visible in metrics.csv; here it would
            // only wreck the axis range.
            if (Double.isFinite(step.loss())) {
                raw.add(new double[] {step.step(), step.loss()});
            }
        }
        int span = smoothingSpan(raw.size());
        XYChart chart = baseChart(raw.isEmpty() ? "training loss (no steps yet)" : "training loss", "loss", lastStep);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        if (raw.isEmpty()) {
            // Same reason as the parity line: XChart cannot lay out a chart with no series.
            XYSeries none = chart.addSeries("none", new double[] {0}, new double[] {0});
            none.setMarker(SeriesMarkers.NONE);
            none.setLineColor(new Color(0, 0, 0, 0));
            chart.getStyler().setLegendVisible(false);
            widenFlatRange(chart.getStyler(), 0);
            return chart;
        }
        double first = raw.get(0)[1];
        if (raw.stream().allMatch(point -> point[1] == first)) {
            widenFlatRange(chart.getStyler(), first);
        }
        double[][] points = columns(thin(raw));
        XYSeries scatter = chart.addSeries("loss per step", points[0], points[1]);
        scatter.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        scatter.setMarker(SeriesMarkers.CIRCLE);
        // Faint only when there are enough points for the cloud to read as a band.
        scatter.setMarkerColor(raw.size() > 100 ? LOSS_RAW_MANY : LOSS_RAW_FEW);
        double[][] smoothed = columns(thin(smooth(raw, span)));
        XYSeries ema = chart.addSeries("EMA, span " + span, smoothed[0], smoothed[1]);
        ema.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        ema.setMarker(SeriesMarkers.NONE);
        ema.setLineStyle(SOLID);
        ema.setLineColor(LOSS);
        return chart;
    }

    private static XYChart baseChart(String title, String yTitle, long lastStep) {
        XYChart chart = new XYChartBuilder()
                .width(WIDTH)
                .height(PANEL_HEIGHT)
                .title(title)
                .xAxisTitle("learner step")
                .yAxisTitle(yTitle)
                .build();
        XYStyler styler = chart.getStyler();
        styler.setXAxisMin(0.0);
        // The nudge is invisible but keeps XChart's "equally spaced data" mode off: given steps
        // 1..n on an axis from 0 to n it would put a tick on every k-th step (0, 19, 38, ...)
        // instead of at round numbers, and differently in the two charts.
        styler.setXAxisMax(lastStep + AXIS_NUDGE);
        styler.setXAxisDecimalPattern("#,##0");
        styler.setPlotGridLinesColor(new Color(0xE0, 0xE0, 0xE0));
        styler.setMarkerSize(5);
        styler.setChartBackgroundColor(Color.WHITE);
        styler.setLegendBorderColor(new Color(0xC0, 0xC0, 0xC0));
        return chart;
    }

    /**
     * Gives a flat curve (one step, or a constant loss) a y range around it. Left alone, XChart
     * labels a zero-height axis with the value's every digit and nothing else.
     */
    private static void widenFlatRange(XYStyler styler, double value) {
        if (value == 0) {
            styler.setYAxisMin(-1.0);
            styler.setYAxisMax(1.0);
            return;
        }
        // Round bounds one decade-unit beyond the value, e.g. 0.8234 -> [0.7, 1.0].
        double unit = Math.pow(10, Math.floor(Math.log10(Math.abs(value))));
        styler.setYAxisMin((Math.floor(value / unit) - 1) * unit);
        styler.setYAxisMax((Math.ceil(value / unit) + 1) * unit);
    }

    /**
     * The span of the loss EMA: about a twentieth of the run, so a 200-step toy run and a
     * 20,000-step run both come out readable, capped so late changes still show.
     */
    static int smoothingSpan(int points) {
        return Math.max(1, Math.min(200, points / 20));
    }

    /**
     * Exponential moving average with weight {@code 2 / (span + 1)} on the new point,
     * bias-corrected so the curve starts at the first losses rather than being dragged towards 0.
     */
    static List<double[]> smooth(List<double[]> points, int span) {
        double alpha = 2.0 / (span + 1);
        double decay = 1 - alpha;
        double average = 0;
        double weight = 0;
        List<double[]> smoothed = new ArrayList<>(points.size());
        for (double[] point : points) {
            average = decay * average + alpha * point[1];
            weight = decay * weight + alpha;
            smoothed.add(new double[] {point[0], average / weight});
        }
        return smoothed;
    }

    /** Every k-th point, and always the last, so at most about {@link #MAX_POINTS} are drawn. */
    static List<double[]> thin(List<double[]> points) {
        int stride = (points.size() + MAX_POINTS - 1) / MAX_POINTS;
        if (stride <= 1) {
            return points;
        }
        List<double[]> kept = new ArrayList<>(MAX_POINTS + 1);
        for (int i = 0; i < points.size(); i += stride) {
            kept.add(points.get(i));
        }
        if ((points.size() - 1) % stride != 0) {
            kept.add(points.get(points.size() - 1));
        }
        return kept;
    }

    private static double[][] columns(List<double[]> points) {
        double[] x = new double[points.size()];
        double[] y = new double[points.size()];
        for (int i = 0; i < points.size(); i++) {
            x[i] = points.get(i)[0];
            y[i] = points.get(i)[1];
        }
        return new double[][] {x, y};
    }
}
