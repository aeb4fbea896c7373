package io.sppo4j.cluster.report;

import io.sppo4j.actors.monitor.EvalRecord;
import io.sppo4j.actors.monitor.StepRecord;

import java.io.IOException;
import java.io.Writer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The training curves as one CSV table: a row per learner step, with the evaluation taken at
 * that step (if any) in the last three columns.
 *
 * <p>An evaluation whose step has no step record, such as the one at step 0 before training or
 * one after the last recorded step of an interrupted run, gets a row of its own: {@code step},
 * {@code version} and {@code elapsed_s} come from the evaluation and the other step columns are
 * empty, so "loss is empty" reliably means "no optimiser step here". Rows are ordered by step; on
 * equal steps the learner's row comes first.
 *
 * <p>Numbers use {@link Long#toString} and {@link Double#toString}, which ignore the default
 * locale (no decimal commas) and round-trip exactly; non-finite values are written as
 * {@code NaN}, {@code Infinity} and {@code -Infinity}.
 */
final class MetricsCsv {

    static final List<String> COLUMNS = List.of(
            "step", "version", "loss", "mean_staleness", "samples", "samples_per_s", "learning_rate", "grad_norm",
            "dropped_stale", "skipped_steps", "rss_mb", "heap_mb", "elapsed_s", "winrate", "mean_len", "ref_mean_len");

    /** Columns only a learner step fills, between {@code version} and {@code elapsed_s}. */
    private static final String EMPTY_STEP_COLUMNS = ",".repeat(COLUMNS.indexOf("elapsed_s") - COLUMNS.indexOf("version"));

    private MetricsCsv() {}

    /** Writes the header and the rows; lines end in {@code \n} whatever the platform. */
    static void write(Writer out, List<StepRecord> steps, List<EvalRecord> evals) throws IOException {
        out.write(String.join(",", COLUMNS));
        out.write('\n');
        for (Row row : rows(steps, evals)) {
            out.write(row.line());
            out.write('\n');
        }
    }

    /** Pairs each step with the first not yet used evaluation at that step; leftovers become rows of their own. */
    static List<Row> rows(List<StepRecord> steps, List<EvalRecord> evals) {
        Map<Long, Deque<EvalRecord>> evalsByStep = new HashMap<>();
        for (EvalRecord eval : evals) {
            evalsByStep.computeIfAbsent(eval.step(), k -> new ArrayDeque<>()).add(eval);
        }
        List<Row> rows = new ArrayList<>(steps.size() + evals.size());
        for (StepRecord step : steps) {
            Deque<EvalRecord> atStep = evalsByStep.get(step.step());
            rows.add(new Row(step, atStep == null ? null : atStep.pollFirst()));
        }
        for (EvalRecord eval : evals) {
            Deque<EvalRecord> atStep = evalsByStep.get(eval.step());
            // Identity, not equals: two evaluations may be equal records and both still unpaired.
            if (!atStep.isEmpty() && atStep.peekFirst() == eval) {
                rows.add(new Row(null, atStep.pollFirst()));
            }
        }
        // Stable sort: records arrive in order already, and equal steps keep their arrival order.
        rows.sort(Comparator.comparingLong(Row::step).thenComparing(row -> row.learner() == null));
        return rows;
    }

    /** One CSV line; either side may be missing, not both. */
    record Row(StepRecord learner, EvalRecord eval) {

        long step() {
            return learner != null ? learner.step() : eval.step();
        }

        String line() {
            StringBuilder line = new StringBuilder(160);
            if (learner != null) {
                line.append(learner.step()).append(',')
                        .append(learner.version()).append(',')
                        .append(learner.loss()).append(',')
                        .append(learner.meanStaleness()).append(',')
                        .append(learner.samples()).append(',')
                        .append(learner.samplesPerSecond()).append(',')
                        .append(learner.learningRate()).append(',')
                        .append(learner.gradientNorm()).append(',')
                        .append(learner.droppedStale()).append(',')
                        .append(learner.skippedSteps()).append(',')
                        .append(learner.residentMb()).append(',')
                        .append(learner.heapMb()).append(',')
                        .append(learner.elapsedSeconds()).append(',');
            } else {
                line.append(eval.step()).append(',')
                        .append(eval.version()).append(EMPTY_STEP_COLUMNS)
                        .append(eval.elapsedSeconds()).append(',');
            }
            if (eval != null) {
                line.append(eval.winRate()).append(',')
                        .append(eval.meanLength()).append(',')
                        .append(eval.referenceMeanLength());
            } else {
                line.append(",,");
            }
            return line.toString();
        }
    }
}
