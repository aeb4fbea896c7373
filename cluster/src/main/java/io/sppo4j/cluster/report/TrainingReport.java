package io.sppo4j.cluster.report;

import io.sppo4j.actors.monitor.EvalRecord;
import io.sppo4j.actors.monitor.StepRecord;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes a run's training curves to a directory: {@code metrics.csv} (every number, for
 * analysis) and {@code curves.png} (win rate and loss against steps, for a glance).
 *
 * <p>Each file is replaced atomically, so the methods can be called again and again while a run
 * goes on (say every minute with everything recorded so far) and once more when it ends or is
 * interrupted; a reader never sees a partial file. Calls are independent and hold no state.
 * The lists must not change during a call: pass snapshots if other threads append to them.
 */
public final class TrainingReport {

    /** File name of the table of every step and evaluation. */
    public static final String CSV_NAME = "metrics.csv";
    /** File name of the plot. */
    public static final String PLOT_NAME = "curves.png";

    /** Where {@link #write} put the files. */
    public record Written(Path csv, Path plot) {}

    private TrainingReport() {}

    /**
     * Writes {@link #CSV_NAME} and {@link #PLOT_NAME} into {@code directory}, creating it if needed.
     *
     * @param title a short run description for the plot, e.g. {@code "sort · sppo · async"}
     */
    public static Written write(Path directory, String title, List<StepRecord> steps, List<EvalRecord> evals)
            throws IOException {
        Files.createDirectories(directory);
        Path csv = directory.resolve(CSV_NAME);
        Path plot = directory.resolve(PLOT_NAME);
        writeCsv(csv, steps, evals);
        writePlot(plot, title, steps, evals);
        return new Written(csv, plot);
    }

    /**
     * Replaces {@code file} with the CSV table: header
     * {@code step,version,loss,mean_staleness,samples,samples_per_s,learning_rate,grad_norm,dropped_stale,skipped_steps,elapsed_s,winrate,mean_len,ref_mean_len},
     * one row per step, evaluation columns filled on the row of the step they evaluated and empty
     * elsewhere. An evaluation without a step record at its step (e.g. the baseline at step 0)
     * gets its own row with only step, version, elapsed_s and the evaluation columns filled.
     */
    public static void writeCsv(Path file, List<StepRecord> steps, List<EvalRecord> evals) throws IOException {
        AtomicFiles.replace(file, out -> {
            // Not closed: AtomicFiles flushes and syncs the stream itself.
            Writer writer = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8));
            MetricsCsv.write(writer, steps, evals);
            writer.flush();
        });
    }

    /**
     * Replaces {@code file} with a PNG of win rate vs reference (above, with the 0.5 parity line)
     * and training loss (below, raw points and a moving average) against learner steps. Works
     * headless, with no evaluations and with a single step.
     */
    public static void writePlot(Path file, String title, List<StepRecord> steps, List<EvalRecord> evals)
            throws IOException {
        AtomicFiles.replace(file, out -> CurvesPlot.writePng(out, title, steps, evals));
    }
}
