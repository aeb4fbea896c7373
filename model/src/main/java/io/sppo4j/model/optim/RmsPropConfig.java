package io.sppo4j.model.optim;

/**
 * Hyper-parameters of {@link RmsProp}, named as {@code torch.optim.RMSprop}'s.
 *
 * @param learningRate peak learning rate; a schedule passed to RmsProp must peak at this value
 * @param alpha decay of the running average of squared gradients, in [0, 1)
 * @param epsilon added to the root of that average so near-zero gradients do not explode
 * @param weightDecay L2 penalty added to the gradient ({@code g + weightDecay · θ}), as torch's
 *     RMSprop does it (not decoupled), on matrices and embeddings only
 * @param maxGradNorm global L2 norm the gradients are clipped to; 0 disables clipping
 */
public record RmsPropConfig(float learningRate, float alpha, float epsilon, float weightDecay, float maxGradNorm)
        implements OptimizerConfig {

    /** torch's defaults (alpha 0.99, eps 1e-8, no decay), as Hugging Face's {@code optim=rmsprop} gets them; clip at 1.0. */
    public static final RmsPropConfig DEFAULTS = new RmsPropConfig(1e-2f, 0.99f, 1e-8f, 0f, 1.0f);

    public RmsPropConfig {
        require(learningRate > 0f && Float.isFinite(learningRate), "learningRate must be positive, got " + learningRate);
        require(alpha >= 0f && alpha < 1f, "alpha must be in [0, 1), got " + alpha);
        require(epsilon > 0f && Float.isFinite(epsilon), "epsilon must be positive, got " + epsilon);
        require(weightDecay >= 0f && Float.isFinite(weightDecay), "weightDecay must be >= 0, got " + weightDecay);
        require(maxGradNorm >= 0f && Float.isFinite(maxGradNorm),
                "maxGradNorm must be >= 0 (0 disables clipping), got " + maxGradNorm);
    }

    @Override
    public Optimizer create(LearningRateSchedule schedule) {
        return new RmsProp(this, schedule);
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException("RmsPropConfig: " + message);
        }
    }
}
