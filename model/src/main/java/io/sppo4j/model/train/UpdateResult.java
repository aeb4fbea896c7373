package io.sppo4j.model.train;

import io.sppo4j.model.optim.StepStats;

/**
 * What one optimiser step did.
 *
 * @param loss the batch loss before the update
 * @param gradientNorm global gradient norm before clipping
 * @param learningRate learning rate applied
 * @param meanLogRatio mean over samples of the log-ratio the loss acts on
 * @param meanTarget mean over samples of the value the loss pulls the log-ratio toward
 * @param applied false when a non-finite gradient made the optimiser skip the step
 * @param skipDetail for a skipped step, what the optimiser found (the first parameter whose
 *     gradient was not finite); null otherwise
 */
public record UpdateResult(
        double loss, double gradientNorm, double learningRate, double meanLogRatio, double meanTarget, boolean applied,
        String skipDetail) {

    public UpdateResult(
            double loss, double gradientNorm, double learningRate, double meanLogRatio, double meanTarget, boolean applied) {
        this(loss, gradientNorm, learningRate, meanLogRatio, meanTarget, applied, null);
    }

    /** A batch's loss, accumulated over its slices, and the optimiser step that followed it. */
    static UpdateResult of(AccumulatedBackward.Totals totals, StepStats stats) {
        return new UpdateResult(
                totals.loss(), stats.gradientNorm(), stats.learningRate(), mean(totals.logRatio()), mean(totals.target()),
                stats.applied(), stats.skipCause());
    }

    /** A batch without any pair or sample to learn from: no optimiser step. */
    static UpdateResult emptyBatch() {
        return new UpdateResult(0, 0, 0, 0, 0, false);
    }

    private static double mean(float[] values) {
        double sum = 0;
        for (float value : values) {
            sum += value;
        }
        return values.length == 0 ? 0 : sum / values.length;
    }
}
