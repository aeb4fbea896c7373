package io.sppo4j.model.optim;

/**
 * Learning rate as a function of the update number.
 *
 * <p>Steps count from 1: {@code at(1)} is the rate of the first update, the same numbering as
 * Adam's bias correction and {@link AdamW#stepCount()} after that update. {@code at(0)}, before
 * any update, is defined for completeness.
 */
public sealed interface LearningRateSchedule
        permits LearningRateSchedule.Constant, LearningRateSchedule.CosineWithWarmup, LearningRateSchedule.LinearWithWarmup {

    /** Learning rate of update number {@code step} (1-based). */
    float at(long step);

    /** The largest rate the schedule reaches (AdamW checks it against its configured rate). */
    float peak();

    /** The same rate for every update. */
    record Constant(float learningRate) implements LearningRateSchedule {

        public Constant {
            if (!(learningRate > 0f) || !Float.isFinite(learningRate)) {
                throw new IllegalArgumentException("learning rate must be positive and finite, got " + learningRate);
            }
        }

        @Override
        public float at(long step) {
            requireNonNegative(step);
            return learningRate;
        }

        @Override
        public float peak() {
            return learningRate;
        }
    }

    /**
     * Linear warm-up, then half a cosine down to a floor, then flat (nanoGPT's and Hugging Face's
     * "cosine with warm-up").
     *
     * <p>Warm-up gives {@code peak · step / warmupSteps} for {@code step ≤ warmupSteps}: the first
     * update already moves (at {@code peak / warmupSteps}) rather than being spent at rate 0,
     * and update {@code warmupSteps} runs at the peak. Adam's first updates have the size of the
     * rate whatever the gradient (its moments are fresh), which is why they are kept small.
     * After warm-up the rate follows {@code minLr + (peak − minLr) · ½ (1 + cos(π · progress))}
     * with {@code progress = (step − warmupSteps) / (totalSteps − warmupSteps)}, reaching
     * {@code minLr} at {@code totalSteps} and staying there.
     *
     * @param peak rate at the end of warm-up
     * @param warmupSteps updates of linear warm-up; 0 starts at the peak
     * @param totalSteps update at which the cosine reaches {@code minLearningRate}; more than
     *     {@code warmupSteps}
     * @param minLearningRate floor in [0, peak]
     */
    record CosineWithWarmup(float peak, long warmupSteps, long totalSteps, float minLearningRate)
            implements LearningRateSchedule {

        public CosineWithWarmup {
            requireWarmupThenMore(peak, warmupSteps, totalSteps);
            if (!(minLearningRate >= 0f && minLearningRate <= peak)) {
                throw new IllegalArgumentException(
                        "minLearningRate must be in [0, peak = " + peak + "], got " + minLearningRate);
            }
        }

        @Override
        public float at(long step) {
            requireNonNegative(step);
            if (step < warmupSteps) {
                return (float) ((double) peak * step / warmupSteps);
            }
            if (step >= totalSteps) {
                return minLearningRate;
            }
            double progress = (double) (step - warmupSteps) / (totalSteps - warmupSteps);
            double cosine = 0.5 * (1.0 + Math.cos(Math.PI * progress));
            return (float) (minLearningRate + ((double) peak - minLearningRate) * cosine);
        }
    }

    /**
     * Linear warm-up as {@link CosineWithWarmup}, then a straight line down to zero at update
     * {@code totalSteps + 1}: Hugging Face's {@code get_linear_schedule_with_warmup}, which the
     * official SPPO runs use ({@code lr_scheduler_type: linear}). Update {@code k} after warm-up
     * runs at {@code peak · (totalSteps − k + 1) / (totalSteps − warmupSteps)}, the rate
     * transformers gives its {@code k}-th update (it counts from 0), so the last planned update
     * still moves; updates past the plan run at 0.
     *
     * @param peak rate at the end of warm-up
     * @param warmupSteps updates of linear warm-up; 0 starts at the peak
     * @param totalSteps updates planned; more than {@code warmupSteps}
     */
    record LinearWithWarmup(float peak, long warmupSteps, long totalSteps) implements LearningRateSchedule {

        public LinearWithWarmup {
            requireWarmupThenMore(peak, warmupSteps, totalSteps);
        }

        @Override
        public float at(long step) {
            requireNonNegative(step);
            if (step < warmupSteps) {
                return (float) ((double) peak * step / warmupSteps);
            }
            double left = Math.max(0, totalSteps - Math.max(step, 1) + 1);
            return (float) (peak * Math.min(1.0, left / (totalSteps - warmupSteps)));
        }
    }

    /** A positive, finite peak, a non-negative warm-up and steps after it. */
    private static void requireWarmupThenMore(float peak, long warmupSteps, long totalSteps) {
        if (!(peak > 0f) || !Float.isFinite(peak)) {
            throw new IllegalArgumentException("peak learning rate must be positive and finite, got " + peak);
        }
        if (warmupSteps < 0) {
            throw new IllegalArgumentException("warmupSteps must not be negative, got " + warmupSteps);
        }
        if (totalSteps <= warmupSteps) {
            throw new IllegalArgumentException(
                    "totalSteps (" + totalSteps + ") must exceed warmupSteps (" + warmupSteps + ")");
        }
    }

    private static void requireNonNegative(long step) {
        if (step < 0) {
            throw new IllegalArgumentException("learning-rate schedule step must not be negative, got " + step);
        }
    }
}
