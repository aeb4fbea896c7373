package io.sppo4j.cluster.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sppo4j.actors.monitor.EvalRecord;
import io.sppo4j.actors.monitor.StepRecord;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainingReportTest {

    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

    @TempDir
    Path dir;

    private static StepRecord step(long step, double loss) {
        return new StepRecord(step, step + 1, loss, 0.5, step * 64, 123.25, 1e-4, 0.75, step / 3, step / 4, step * 0.5, 800 + step, 100);
    }

    private static EvalRecord eval(long step, double winRate) {
        return new EvalRecord(step, step + 1, winRate, 11.5, 12.0, step * 0.5 + 0.1);
    }

    private static List<StepRecord> steps(int count) {
        List<StepRecord> steps = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            steps.add(step(i, 0.7 * Math.exp(-i / 30.0) + 0.05 * Math.sin(i)));
        }
        return steps;
    }

    private static List<String[]> rows(Path csv) throws IOException {
        List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
        List<String[]> rows = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            rows.add(line.split(",", -1));
        }
        return rows;
    }

    @Test
    void csvHasHeaderAndEvaluationsOnTheirSteps() throws IOException {
        List<StepRecord> steps = steps(5);
        List<EvalRecord> evals = List.of(eval(0, 0.5), eval(2, 0.625), eval(5, 0.75));
        Path csv = dir.resolve("metrics.csv");
        TrainingReport.writeCsv(csv, steps, evals);

        List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
        assertEquals("step,version,loss,mean_staleness,samples,samples_per_s,learning_rate,grad_norm,"
                + "dropped_stale,skipped_steps,rss_mb,heap_mb,elapsed_s,winrate,mean_len,ref_mean_len", lines.get(0));
        List<String[]> rows = rows(csv);
        assertEquals(6, rows.size(), "5 steps + the step-0 baseline evaluation");
        for (String[] row : rows) {
            assertEquals(16, row.length, String.join(",", row));
        }

        // The baseline evaluation: step, version and time from the evaluation, no step columns.
        assertArrayEquals(new String[] {"0", "1", "", "", "", "", "", "", "", "", "", "", "0.1", "0.5", "11.5", "12.0"},
                rows.get(0));

        for (int i = 1; i <= 5; i++) {
            String[] row = rows.get(i);
            StepRecord expected = steps.get(i - 1);
            assertEquals(expected.step(), Long.parseLong(row[0]));
            assertEquals(expected.version(), Long.parseLong(row[1]));
            assertEquals(expected.loss(), Double.parseDouble(row[2]));
            assertEquals(expected.meanStaleness(), Double.parseDouble(row[3]));
            assertEquals(expected.samples(), Long.parseLong(row[4]));
            assertEquals(expected.samplesPerSecond(), Double.parseDouble(row[5]));
            assertEquals(expected.learningRate(), Double.parseDouble(row[6]));
            assertEquals(expected.gradientNorm(), Double.parseDouble(row[7]));
            assertEquals(expected.droppedStale(), Long.parseLong(row[8]));
            assertEquals(expected.skippedSteps(), Long.parseLong(row[9]));
            assertEquals(expected.residentMb(), Long.parseLong(row[10]));
            assertEquals(expected.heapMb(), Long.parseLong(row[11]));
            assertEquals(expected.elapsedSeconds(), Double.parseDouble(row[12]));
            boolean evaluated = i == 2 || i == 5;
            assertEquals(evaluated, !row[13].isEmpty(), "win rate only on evaluated steps, row " + i);
            assertEquals(evaluated, !row[14].isEmpty());
            assertEquals(evaluated, !row[15].isEmpty());
        }
        assertEquals(1, Long.parseLong(rows.get(5)[9]), "skipped steps so far at step 5");
        assertEquals(0.625, Double.parseDouble(rows.get(2)[13]));
        assertEquals(0.75, Double.parseDouble(rows.get(5)[13]));
        assertEquals(12.0, Double.parseDouble(rows.get(5)[15]));
    }

    @Test
    void csvIgnoresTheDefaultLocale() throws IOException {
        Locale saved = Locale.getDefault();
        try {
            Locale.setDefault(Locale.GERMANY);
            TrainingReport.writeCsv(dir.resolve("metrics.csv"), List.of(step(1, 0.25)), List.of(eval(1, 0.5)));
        } finally {
            Locale.setDefault(saved);
        }
        String[] row = rows(dir.resolve("metrics.csv")).get(0);
        assertEquals(16, row.length);
        assertEquals("0.25", row[2]);
        assertEquals("0.5", row[13]);
    }

    @Test
    void evaluationsAfterTheLastStepAndRepeatedOnesKeepTheirOwnRows() throws IOException {
        Path csv = dir.resolve("metrics.csv");
        TrainingReport.writeCsv(csv, steps(2), List.of(eval(2, 0.5), eval(2, 0.625), eval(9, 0.75)));
        List<String[]> rows = rows(csv);
        assertEquals(4, rows.size());
        assertEquals("0.5", rows.get(1)[13]);
        assertEquals("2", rows.get(2)[0]);
        assertEquals("", rows.get(2)[2]);
        assertEquals("0.625", rows.get(2)[13]);
        assertEquals("9", rows.get(3)[0]);
        assertEquals("0.75", rows.get(3)[13]);
    }

    @Test
    void rewritingReplacesTheFileAndLeavesNoTemporaries() throws IOException {
        List<StepRecord> steps = steps(40);
        List<EvalRecord> evals = List.of(eval(0, 0.5), eval(20, 0.6), eval(40, 0.7));
        for (int n = 1; n <= steps.size(); n += 13) {
            TrainingReport.write(dir, "sort · sppo · async", steps.subList(0, n), List.of());
            assertEquals(n + 1, Files.readAllLines(dir.resolve(TrainingReport.CSV_NAME)).size());
        }
        TrainingReport.Written written = TrainingReport.write(dir, "sort · sppo · async", steps, evals);
        assertEquals(dir.resolve("metrics.csv"), written.csv());
        assertEquals(dir.resolve("curves.png"), written.plot());
        assertEquals(1 + 40 + 1, Files.readAllLines(written.csv()).size());
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of("curves.png", "metrics.csv"),
                    files.map(path -> path.getFileName().toString()).sorted().toList());
        }
    }

    @Test
    void writeCreatesTheDirectory() throws IOException {
        Path nested = dir.resolve("runs/one");
        TrainingReport.Written written = TrainingReport.write(nested, "t", steps(3), List.of(eval(3, 0.5)));
        assertTrue(Files.isRegularFile(written.csv()));
        assertPng(written.plot());
    }

    @Test
    void plotIsAPngOfSaneSize() throws IOException {
        List<EvalRecord> evals = new ArrayList<>();
        for (int i = 0; i <= 300; i += 25) {
            evals.add(eval(i, Math.min(1.0, 0.5 + i / 700.0)));
        }
        Path png = dir.resolve("curves.png");
        TrainingReport.writePlot(png, "sort · sppo · async", steps(300), evals);
        assertPng(png);
    }

    @Test
    void plotWorksWithoutEvaluationsOrWithOneStepOrNothing() throws IOException {
        TrainingReport.writePlot(dir.resolve("a.png"), "no evals", steps(10), List.of());
        assertPng(dir.resolve("a.png"));
        TrainingReport.writePlot(dir.resolve("b.png"), "one step", List.of(step(1, 0.69)), List.of());
        assertPng(dir.resolve("b.png"));
        TrainingReport.writePlot(dir.resolve("c.png"), "baseline only", List.of(), List.of(eval(0, 0.5)));
        assertPng(dir.resolve("c.png"));
        TrainingReport.writePlot(dir.resolve("d.png"), "nothing", List.of(), List.of());
        assertPng(dir.resolve("d.png"));
        TrainingReport.writePlot(dir.resolve("e.png"), "diverged",
                List.of(step(1, 0.7), step(2, Double.NaN), step(3, Double.POSITIVE_INFINITY)), List.of(eval(3, Double.NaN)));
        assertPng(dir.resolve("e.png"));
    }

    private static void assertPng(Path png) throws IOException {
        byte[] bytes = Files.readAllBytes(png);
        assertArrayEquals(PNG_SIGNATURE, Arrays.copyOf(bytes, PNG_SIGNATURE.length));
        BufferedImage image = ImageIO.read(png.toFile());
        assertNotNull(image);
        assertTrue(image.getWidth() > 300 && image.getHeight() > 300, image.getWidth() + "x" + image.getHeight());
    }
}
