package io.sppo4j.model.optim;

/**
 * What one optimiser step did, for logs and metrics.
 *
 * @param step updates applied so far, this one included (1 after the first)
 * @param learningRate rate this update used (or would have used, if not applied)
 * @param gradientNorm global L2 norm of the gradients before clipping
 * @param clipScale factor the gradients were multiplied by; 1 when not clipped
 * @param applied false when the update was skipped because the gradient norm was not finite
 */
public record StepStats(long step, float learningRate, float gradientNorm, float clipScale, boolean applied) {

    /** Whether clipping shrank the gradients. */
    public boolean clipped() {
        return clipScale < 1f;
    }
}
