package io.sppo4j.model.optim;

/**
 * What one optimiser step did, for logs and metrics.
 *
 * @param step updates applied so far, this one included (1 after the first)
 * @param learningRate rate this update used (or would have used, if not applied)
 * @param gradientNorm global L2 norm of the gradients before clipping
 * @param clipScale factor the gradients were multiplied by; 1 when not clipped
 * @param applied false when the update was skipped because the gradient norm was not finite
 * @param skipCause why the update was skipped (the first parameter, in model order, whose
 *     gradient was not finite, and how many were not); null when applied
 */
public record StepStats(
        long step, float learningRate, float gradientNorm, float clipScale, boolean applied, String skipCause) {

    /** An applied update. */
    public StepStats(long step, float learningRate, float gradientNorm, float clipScale) {
        this(step, learningRate, gradientNorm, clipScale, true, null);
    }

    /** Whether clipping shrank the gradients. */
    public boolean clipped() {
        return clipScale < 1f;
    }
}
