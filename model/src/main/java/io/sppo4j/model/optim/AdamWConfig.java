package io.sppo4j.model.optim;

/**
 * Hyper-parameters of {@link AdamW}.
 *
 * @param learningRate peak learning rate; a schedule passed to AdamW must peak at this value
 * @param beta1 decay of the first-moment (mean) estimate, in [0, 1)
 * @param beta2 decay of the second-moment (uncentred variance) estimate, in [0, 1)
 * @param epsilon added to the root of the second moment so near-zero gradients do not explode
 * @param weightDecay decoupled decay per unit learning rate: a decayed parameter is multiplied
 *     by {@code 1 − lr · weightDecay} each update
 * @param maxGradNorm global L2 norm the gradients are clipped to; 0 disables clipping
 */
public record AdamWConfig(
        float learningRate, float beta1, float beta2, float epsilon, float weightDecay, float maxGradNorm)
        implements OptimizerConfig {

    /** nanoGPT-like defaults: 3e-4, betas (0.9, 0.999), 1e-8, weight decay 0.01, clip at 1.0. */
    public static final AdamWConfig DEFAULTS = new AdamWConfig(3e-4f, 0.9f, 0.999f, 1e-8f, 0.01f, 1.0f);

    public AdamWConfig {
        require(learningRate > 0f && Float.isFinite(learningRate), "learningRate must be positive, got " + learningRate);
        require(beta1 >= 0f && beta1 < 1f, "beta1 must be in [0, 1), got " + beta1);
        require(beta2 >= 0f && beta2 < 1f, "beta2 must be in [0, 1), got " + beta2);
        require(epsilon > 0f && Float.isFinite(epsilon), "epsilon must be positive, got " + epsilon);
        require(weightDecay >= 0f && Float.isFinite(weightDecay), "weightDecay must be >= 0, got " + weightDecay);
        // A decay factor 1 − lr·wd at or below 0 would flip or zero the weights every update.
        require((double) learningRate * weightDecay < 1.0,
                "learningRate * weightDecay must be below 1, got " + learningRate + " * " + weightDecay);
        require(maxGradNorm >= 0f && Float.isFinite(maxGradNorm),
                "maxGradNorm must be >= 0 (0 disables clipping), got " + maxGradNorm);
    }

    public AdamWConfig withLearningRate(float value) {
        return new AdamWConfig(value, beta1, beta2, epsilon, weightDecay, maxGradNorm);
    }

    public AdamWConfig withWeightDecay(float value) {
        return new AdamWConfig(learningRate, beta1, beta2, epsilon, value, maxGradNorm);
    }

    public AdamWConfig withMaxGradNorm(float value) {
        return new AdamWConfig(learningRate, beta1, beta2, epsilon, weightDecay, value);
    }

    @Override
    public Optimizer create(LearningRateSchedule schedule) {
        return new AdamW(this, schedule);
    }

    /** Whether gradients are clipped to a global norm before the update. */
    public boolean clips() {
        return maxGradNorm > 0f;
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException("AdamWConfig: " + message);
        }
    }
}
