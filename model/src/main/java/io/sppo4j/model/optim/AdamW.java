package io.sppo4j.model.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.sppo4j.model.nd.Autograd;
import io.sppo4j.model.policy.LanguageModel;

import java.util.List;

/**
 * Adam with decoupled weight decay (Loshchilov &amp; Hutter, "Decoupled Weight Decay
 * Regularization", 2019), written with NDArray operations so that its state can be exported
 * and restored and its clipping is global; DJL's built-in optimisers offer neither.
 *
 * <p>One {@link #step} follows {@code torch.optim.AdamW} after
 * {@code clip_grad_norm_(parameters, maxGradNorm)}, with {@code t} the 1-based update number:
 *
 * <pre>
 *   g ← g · maxNorm / (‖g‖ + 1e-6)   if ‖g‖ > maxNorm    ‖g‖: global norm over all trainable parameters
 *   θ ← θ · (1 − lr · weightDecay)                      only parameters with ≥ 2 dimensions
 *   m ← β1 m + (1 − β1) g
 *   v ← β2 v + (1 − β2) g²
 *   θ ← θ − lr / (1 − β1^t) · m / (√v / √(1 − β2^t) + ε)
 * </pre>
 *
 * <p><b>Which parameters decay.</b> Only weight matrices and embeddings (two or more
 * dimensions), the GPT-2 / nanoGPT convention. Decay pulls a parameter toward zero; for biases
 * and LayerNorm shifts that buys no regularisation worth having (they are few and do not
 * interact multiplicatively with the input), and for LayerNorm scales zero is the wrong prior
 * altogether (their neutral value is 1), so decaying them fights the normalisation.
 *
 * <p><b>Parameters without a gradient.</b> A trainable parameter whose gradient was never
 * populated (it took no part in any backward pass so far) is updated with a zero gradient: its
 * moments decay, momentum still moves it, and weight decay still applies. torch instead skips
 * such parameters entirely; treating them as zero keeps one step counter valid for every
 * parameter, which the exported state relies on. Frozen parameters
 * ({@code requiresGradient() == false}) are not touched and get no state.
 *
 * <p><b>Non-finite gradients.</b> If the global gradient norm is NaN or infinite, the update is
 * skipped: parameters, moments and the step count stay as they were, the gradients are zeroed,
 * and the returned {@link StepStats#applied()} is false, with {@link StepStats#skipCause()}
 * naming the first parameter whose gradient was not finite. A skipped step is a bug to find,
 * not noise: the caller counts it and bounds how many it accepts.
 *
 * <p>State (m and v per parameter, float32) is created lazily on the first step, on the model's
 * device, in a manager this optimiser owns; {@link #close()} frees it. One optimiser serves one
 * model (or, after {@link #restoreState}, a model with the same parameter names and shapes).
 * Not thread-safe: the learner that owns it calls it from one thread at a time.
 */
public final class AdamW extends BufferedOptimizer {

    /** Name written into and expected from {@link OptimizerState#algorithm()}. */
    public static final String ALGORITHM = "adamw";
    /** Scalar holding the number of updates applied. */
    public static final String STEP_SCALAR = OptimizerBuffers.STEP_SCALAR;
    /** Prefix of first-moment tensors: {@code m.<parameter>}. */
    public static final String FIRST_MOMENT_PREFIX = "m.";
    /** Prefix of second-moment tensors: {@code v.<parameter>}. */
    public static final String SECOND_MOMENT_PREFIX = "v.";

    private static final int FIRST = 0;
    private static final int SECOND = 1;

    private final AdamWConfig config;
    private final LearningRateSchedule schedule;

    /** At the constant rate {@code config.learningRate()}. */
    public AdamW(AdamWConfig config) {
        this(config, new LearningRateSchedule.Constant(config.learningRate()));
    }

    /** @param schedule must peak at {@code config.learningRate()}, so the two cannot disagree silently */
    public AdamW(AdamWConfig config, LearningRateSchedule schedule) {
        super(new OptimizerBuffers.Layout(ALGORITHM, "AdamW", List.of(FIRST_MOMENT_PREFIX, SECOND_MOMENT_PREFIX)));
        if (schedule.peak() != config.learningRate()) {
            throw new IllegalArgumentException(
                    "learning-rate schedule peaks at " + schedule.peak() + " but AdamWConfig.learningRate is "
                            + config.learningRate());
        }
        this.config = config;
        this.schedule = schedule;
    }

    public AdamWConfig config() {
        return config;
    }

    public LearningRateSchedule schedule() {
        return schedule;
    }

    /** Whether {@link #step} decays a parameter of this shape: matrices and embeddings, not vectors. */
    public static boolean appliesWeightDecay(Shape shape) {
        return shape.dimension() >= 2;
    }

    /**
     * One update of every trainable parameter of {@code model} from the gradients accumulated by
     * {@code Autograd.backward}, which are then zeroed. Runs with gradient recording paused.
     */
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
            // Scalars in double, rounded once to float32 where they meet the arrays.
            double firstCorrection = 1.0 - Math.pow(config.beta1(), next);
            double secondCorrectionRoot = Math.sqrt(1.0 - Math.pow(config.beta2(), next));
            float stepSize = (float) (learningRate / firstCorrection);
            float decayFactor = (float) (1.0 - (double) learningRate * config.weightDecay());
            for (int i = 0; i < trainable.size(); i++) {
                NDArray parameter = trainable.get(i).array();
                NDArray[] moments = buffers.of(trainable.get(i), model);
                NDArray first = moments[FIRST];
                NDArray second = moments[SECOND];
                NDArray gradient = gradients.arrays().get(i);
                if (clipScale < 1f) {
                    gradient.muli(clipScale);
                }
                if (config.weightDecay() > 0f && appliesWeightDecay(parameter.getShape())) {
                    parameter.muli(decayFactor);
                }
                // In place throughout, the gradient's own buffer (zeroed below) serving as scratch: a
                // new parameter-sized array per operation cost fresh pages on every step (an
                // embedding's 0.5 GB five times over), most of the optimiser's time at real size.
                first.subi(gradient).muli(config.beta1()).addi(gradient); // β1·m + (1 − β1)·g
                gradient.muli(gradient).muli(1f - config.beta2()); // (1 − β2)·g², g no longer needed
                second.muli(config.beta2()).addi(gradient);
                NDArray step = gradient.muli(0f).addi(second) // v
                        .powi(0.5f).divi((float) secondCorrectionRoot).addi(config.epsilon()) // √v̂ + ε
                        .powi(-1f).muli(first).muli(stepSize); // lr · m̂ / (√v̂ + ε)
                parameter.subi(step);
            }
            return buffers.applied(trainable, learningRate, gradients);
        }
    }
}
