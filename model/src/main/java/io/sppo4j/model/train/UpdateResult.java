package io.sppo4j.model.train;

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
}
