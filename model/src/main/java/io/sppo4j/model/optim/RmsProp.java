package io.sppo4j.model.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.sppo4j.model.nd.Autograd;
import io.sppo4j.model.policy.LanguageModel;

import java.util.List;

/**
 * RMSProp (Hinton, Coursera lecture 6e) as {@code torch.optim.RMSprop} with
 * {@code centered=False, momentum=0}, the optimiser of the official SPPO runs (Hugging Face's
 * {@code optim=rmsprop}), after {@code clip_grad_norm_(parameters, maxGradNorm)} as the Trainer
 * does it:
 *
 * <pre>
 *   g ← g · maxNorm / (‖g‖ + 1e-6)   if ‖g‖ > maxNorm    ‖g‖: global norm over all trainable parameters
 *   g ← g + weightDecay · θ                             only parameters with ≥ 2 dimensions
 *   v ← α v + (1 − α) g²
 *   θ ← θ − lr · g / (√v + ε)
 * </pre>
 *
 * <p>Weight decay is torch's L2 penalty folded into the gradient, on the parameters
 * {@link AdamW#appliesWeightDecay} picks (the Trainer's decay groups leave biases and norms out).
 * A trainable parameter without a gradient is stepped with a zero gradient, a non-finite global
 * norm skips the update and zeroes the gradients, and the state (v per parameter, float32, on
 * the model's device) is exported as {@code square_avg.<parameter>} with the step count: all as
 * {@link AdamW} does, for the same reasons. Not thread-safe.
 */
public final class RmsProp extends BufferedOptimizer {

    /** Name written into and expected from {@link OptimizerState#algorithm()}. */
    public static final String ALGORITHM = "rmsprop";
    /** Scalar holding the number of updates applied (the schedule's position). */
    public static final String STEP_SCALAR = OptimizerBuffers.STEP_SCALAR;
    /** Prefix of the running averages of squared gradients: {@code square_avg.<parameter>}. */
    public static final String SQUARE_AVERAGE_PREFIX = "square_avg.";

    private final RmsPropConfig config;
    private final LearningRateSchedule schedule;

    /** @param schedule must peak at {@code config.learningRate()}, so the two cannot disagree silently */
    public RmsProp(RmsPropConfig config, LearningRateSchedule schedule) {
        super(new OptimizerBuffers.Layout(ALGORITHM, "RmsProp", List.of(SQUARE_AVERAGE_PREFIX)));
        if (schedule.peak() != config.learningRate()) {
            throw new IllegalArgumentException(
                    "learning-rate schedule peaks at " + schedule.peak() + " but RmsPropConfig.learningRate is "
                            + config.learningRate());
        }
        this.config = config;
        this.schedule = schedule;
    }

    public RmsPropConfig config() {
        return config;
    }

    @Override
    public StepStats step(LanguageModel model) {
        List<OptimizerBuffers.Trainable> trainable = buffers.trainable(model);
        long next = buffers.step() + 1;
        float learningRate = schedule.at(next);
        try (Autograd.Scope updating = Autograd.paused();
                NDManager scratch = model.manager().newSubManager()) {
            OptimizerBuffers.Gradients gradients = buffers.gradients(trainable, scratch, learningRate, config.maxGradNorm());
            if (gradients.skipped() != null) {
                return gradients.skipped();
            }
            float clipScale = gradients.clipScale();
            for (int i = 0; i < trainable.size(); i++) {
                NDArray parameter = trainable.get(i).array();
                NDArray squareAverage = buffers.of(trainable.get(i), model)[0];
                // In place where the maths allows (as AdamW): the gradient's own buffer is zeroed
                // below, and each new parameter-sized array costs fresh pages on every step.
                NDArray gradient = gradients.arrays().get(i);
                if (clipScale < 1f) {
                    gradient.muli(clipScale);
                }
                if (config.weightDecay() > 0f && AdamW.appliesWeightDecay(parameter.getShape())) {
                    // parameter.mul would land in the model's manager: hand it to scratch.
                    gradient.addi(scratch(parameter.mul(config.weightDecay()), scratch));
                }
                // One scratch array: g² for the average, then reused for the step lr · g / (√v + ε).
                NDArray step = scratch(gradient.square(), scratch).muli(1f - config.alpha());
                squareAverage.muli(config.alpha()).addi(step);
                step.muli(0f).addi(squareAverage).powi(0.5f).addi(config.epsilon())
                        .powi(-1f).muli(gradient).muli(learningRate);
                parameter.subi(step);
            }
            return buffers.applied(trainable, learningRate, gradients);
        }
    }

    private static NDArray scratch(NDArray array, NDManager scratch) {
        array.attach(scratch);
        return array;
    }
}
