package io.sppo4j.model.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import io.sppo4j.model.nd.Autograd;
import io.sppo4j.model.policy.LanguageModel;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
public final class RmsProp implements Optimizer {

    /** Name written into and expected from {@link OptimizerState#algorithm()}. */
    public static final String ALGORITHM = "rmsprop";
    /** Scalar holding the number of updates applied (the schedule's position). */
    public static final String STEP_SCALAR = "step";
    /** Prefix of the running averages of squared gradients: {@code square_avg.<parameter>}. */
    public static final String SQUARE_AVERAGE_PREFIX = "square_avg.";

    private final RmsPropConfig config;
    private final LearningRateSchedule schedule;
    /** v per parameter, in the order the parameters first got state. */
    private final Map<String, NDArray> squareAverages = new LinkedHashMap<>();
    private NDManager stateManager;
    private long step;
    private boolean closed;

    /** @param schedule must peak at {@code config.learningRate()}, so the two cannot disagree silently */
    public RmsProp(RmsPropConfig config, LearningRateSchedule schedule) {
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
    public long stepCount() {
        return step;
    }

    @Override
    public StepStats step(LanguageModel model) {
        ensureOpen();
        List<Map.Entry<String, NDArray>> trainable = trainableParameters(model);
        long next = step + 1;
        float learningRate = schedule.at(next);
        try (Autograd.Scope updating = Autograd.paused();
                NDManager scratch = model.manager().newSubManager()) {
            List<NDArray> gradients = new ArrayList<>(trainable.size());
            for (Map.Entry<String, NDArray> parameter : trainable) {
                gradients.add(Autograd.gradient(parameter.getValue(), scratch));
            }
            float[] squares = GradientClipping.sumsOfSquares(gradients, scratch);
            float norm = GradientClipping.globalNorm(squares);
            if (!Float.isFinite(norm)) {
                zeroGradients(trainable);
                String cause = GradientClipping.nonFiniteCause(trainable.stream().map(Map.Entry::getKey).toList(), squares);
                return new StepStats(step, learningRate, norm, 1f, false, cause);
            }
            float clipScale = GradientClipping.scale(norm, config.maxGradNorm());
            for (int i = 0; i < trainable.size(); i++) {
                NDArray parameter = trainable.get(i).getValue();
                NDArray squareAverage = squareAverageFor(trainable.get(i).getKey(), parameter, model);
                // In place where the maths allows (as AdamW): the gradient's own buffer is zeroed
                // below, and each new parameter-sized array costs fresh pages on every step.
                NDArray gradient = gradients.get(i);
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
            zeroGradients(trainable);
            step = next;
            return new StepStats(step, learningRate, norm, clipScale);
        }
    }

    @Override
    public OptimizerState exportState() {
        ensureOpen();
        return RmsPropState.export(squareAverages, step, this::ensureOpen);
    }

    @Override
    public void restoreState(OptimizerState state, LanguageModel model) {
        ensureOpen();
        RmsPropState.Restored restored = RmsPropState.restore(state, model,
                name -> checkParameter(name, model.namedParameters().get(name).getArray(), model),
                () -> newStateManager(model));
        releaseState();
        stateManager = restored.manager();
        squareAverages.putAll(restored.squareAverages());
        step = restored.step();
    }

    @Override
    public void close() {
        if (!closed) {
            releaseState();
            closed = true;
        }
    }

    /** Native arrays the optimiser's state holds (for leak tests). */
    int stateArrayCount() {
        return stateManager == null ? 0 : stateManager.getManagedArrays().size();
    }

    /** The parameters to update, after every check that could fail, so a step never stops halfway. */
    private List<Map.Entry<String, NDArray>> trainableParameters(LanguageModel model) {
        LinkedHashMap<String, Parameter> parameters = model.namedParameters();
        for (Map.Entry<String, NDArray> entry : squareAverages.entrySet()) {
            Parameter parameter = parameters.get(entry.getKey());
            if (parameter == null || !parameter.getArray().getShape().equals(entry.getValue().getShape())) {
                throw new IllegalStateException("RmsProp holds state for parameter '" + entry.getKey() + "' of shape "
                        + entry.getValue().getShape() + ", which this model "
                        + (parameter == null ? "does not have" : "has with shape " + parameter.getArray().getShape())
                        + "; one optimiser serves one model");
            }
        }
        if (stateManager != null && !stateManager.getDevice().equals(model.device())) {
            throw new IllegalStateException(
                    "RmsProp state lives on " + stateManager.getDevice() + " but the model is on " + model.device());
        }
        List<Map.Entry<String, NDArray>> trainable = new ArrayList<>();
        for (Map.Entry<String, Parameter> entry : parameters.entrySet()) {
            if (entry.getValue().requiresGradient()) {
                NDArray array = entry.getValue().getArray();
                checkParameter(entry.getKey(), array, model);
                trainable.add(Map.entry(entry.getKey(), array));
            }
        }
        if (trainable.isEmpty()) {
            throw new IllegalStateException("the model has no trainable parameters (call setTrainable(true))");
        }
        return trainable;
    }

    private static void checkParameter(String name, NDArray array, LanguageModel model) {
        if (array.getDataType() != DataType.FLOAT32) {
            throw new IllegalStateException(
                    "RmsProp keeps float32 state and updates float32 parameters; '" + name + "' is " + array.getDataType());
        }
        if (!array.getDevice().equals(model.device())) {
            throw new IllegalStateException(
                    "parameter '" + name + "' is on " + array.getDevice() + ", the model on " + model.device());
        }
    }

    private NDArray squareAverageFor(String name, NDArray parameter, LanguageModel model) {
        NDArray state = squareAverages.get(name);
        if (state == null) {
            if (stateManager == null) {
                stateManager = newStateManager(model);
            }
            state = stateManager.zeros(parameter.getShape(), DataType.FLOAT32);
            squareAverages.put(name, state);
        }
        return state;
    }

    /** Not a child of the model's manager: the state lives as long as the optimiser, not the model. */
    private static NDManager newStateManager(LanguageModel model) {
        return model.manager().getEngine().newBaseManager(model.device());
    }

    private static void zeroGradients(List<Map.Entry<String, NDArray>> trainable) {
        for (Map.Entry<String, NDArray> parameter : trainable) {
            Autograd.zeroGradient(parameter.getValue());
        }
    }

    private static NDArray scratch(NDArray array, NDManager scratch) {
        array.attach(scratch);
        return array;
    }

    private void releaseState() {
        squareAverages.clear();
        if (stateManager != null) {
            stateManager.close();
            stateManager = null;
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("RmsProp has been closed");
        }
    }
}
