package io.sppo4j.model.optim;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import io.sppo4j.model.nd.Autograd;
import io.sppo4j.model.policy.LanguageModel;
import io.sppo4j.model.weights.NativeTensors;
import io.sppo4j.model.weights.TensorDType;
import io.sppo4j.model.weights.TensorSource;
import io.sppo4j.model.weights.TensorSpec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What an element-wise optimiser keeps between steps: the number of updates applied and, per
 * parameter, a fixed set of float32 buffers shaped like it (AdamW: {@code m.} and {@code v.};
 * RMSProp: {@code square_avg.}), created on a parameter's first step in a manager of their own on
 * the model's device, and exported and restored as an {@link OptimizerState} one tensor at a time:
 * an export is a view of the live buffers, a restore reads each tensor into native memory, so
 * neither holds the state on the Java heap. Also the checks every step makes before it changes
 * anything (one optimiser serves one model; float32 parameters on the model's device). Not
 * thread-safe, as the optimisers that own it.
 */
final class OptimizerBuffers implements AutoCloseable {

    /** Name of the scalar holding the number of updates applied (the schedule's position). */
    static final String STEP_SCALAR = "step";
    /** Doubles represent every integer step count up to 2^53 exactly. */
    private static final double MAX_EXACT_STEP = 0x1p53;

    /**
     * @param algorithm written into and expected from {@link OptimizerState#algorithm()}
     * @param displayName the optimiser's name in messages
     * @param prefixes one per buffer, in buffer order: tensor {@code prefix + parameter name}
     */
    record Layout(String algorithm, String displayName, List<String> prefixes) {}

    /** A parameter a step updates. */
    record Trainable(String name, NDArray array) {}

    private final Layout layout;
    /** The buffers per parameter, in the order the parameters first got state. */
    private final Map<String, NDArray[]> buffers = new LinkedHashMap<>();
    private NDManager manager;
    private long step;
    private boolean closed;

    OptimizerBuffers(Layout layout) {
        this.layout = layout;
    }

    /** Updates applied so far (skipped ones not counted). */
    long step() {
        return step;
    }

    /**
     * The parameters of {@code model} to update, after every check that could fail, so a step
     * never stops halfway.
     */
    List<Trainable> trainable(LanguageModel model) {
        ensureOpen();
        LinkedHashMap<String, Parameter> parameters = model.namedParameters();
        for (Map.Entry<String, NDArray[]> entry : buffers.entrySet()) {
            Parameter parameter = parameters.get(entry.getKey());
            Shape held = entry.getValue()[0].getShape();
            if (parameter == null || !parameter.getArray().getShape().equals(held)) {
                throw new IllegalStateException(layout.displayName() + " holds state for parameter '" + entry.getKey()
                        + "' of shape " + held + ", which this model "
                        + (parameter == null ? "does not have" : "has with shape " + parameter.getArray().getShape())
                        + "; one optimiser serves one model");
            }
        }
        if (manager != null && !manager.getDevice().equals(model.device())) {
            throw new IllegalStateException(layout.displayName() + " state lives on " + manager.getDevice()
                    + " but the model is on " + model.device());
        }
        List<Trainable> trainable = new ArrayList<>();
        for (Map.Entry<String, Parameter> entry : parameters.entrySet()) {
            if (entry.getValue().requiresGradient()) {
                NDArray array = entry.getValue().getArray();
                checkParameter(entry.getKey(), array, model.device());
                trainable.add(new Trainable(entry.getKey(), array));
            }
        }
        if (trainable.isEmpty()) {
            throw new IllegalStateException("the model has no trainable parameters (call setTrainable(true))");
        }
        return trainable;
    }

    /** The buffers of {@code parameter}, zeros on its first step. */
    NDArray[] of(Trainable parameter, LanguageModel model) {
        NDArray[] state = buffers.get(parameter.name());
        if (state == null) {
            if (manager == null) {
                manager = newManager(model);
            }
            state = new NDArray[layout.prefixes().size()];
            for (int i = 0; i < state.length; i++) {
                state[i] = manager.zeros(parameter.array().getShape(), DataType.FLOAT32);
            }
            buffers.put(parameter.name(), state);
        }
        return state;
    }

    /**
     * A step's gradients, in {@code trainable}'s order, with their global norm and the clipping
     * scale; or, when the norm is not finite, the skipped step's stats (the gradients zeroed,
     * nothing else changed).
     */
    record Gradients(List<NDArray> arrays, float norm, float clipScale, StepStats skipped) {}

    /**
     * The gradients {@code Autograd.backward} accumulated for a step at {@code learningRate}, in
     * {@code scratch}: zeros for a parameter no backward has reached yet (see {@link AdamW}).
     */
    Gradients gradients(List<Trainable> trainable, NDManager scratch, float learningRate, float maxGradNorm) {
        List<NDArray> gradients = new ArrayList<>(trainable.size());
        for (Trainable parameter : trainable) {
            gradients.add(Autograd.gradient(parameter.array(), scratch));
        }
        float[] squares = GradientClipping.sumsOfSquares(gradients, scratch);
        float norm = GradientClipping.globalNorm(squares);
        if (!Float.isFinite(norm)) {
            zeroGradients(trainable);
            String cause = GradientClipping.nonFiniteCause(trainable.stream().map(Trainable::name).toList(), squares);
            return new Gradients(gradients, norm, 1f, new StepStats(step, learningRate, norm, 1f, false, cause));
        }
        return new Gradients(gradients, norm, GradientClipping.scale(norm, maxGradNorm), null);
    }

    /** After an applied update: the gradients zeroed, the step counted, its stats. */
    StepStats applied(List<Trainable> trainable, float learningRate, Gradients gradients) {
        zeroGradients(trainable);
        step++;
        return new StepStats(step, learningRate, gradients.norm(), gradients.clipScale());
    }

    private static void zeroGradients(List<Trainable> trainable) {
        for (Trainable parameter : trainable) {
            Autograd.zeroGradient(parameter.array());
        }
    }

    /**
     * The step count and every buffer as a float32 tensor {@code prefix + parameter}, parameter by
     * parameter in the order they first got state. The tensors are a view of the live buffers:
     * write them out before the next step or {@link #close}.
     */
    OptimizerState export() {
        ensureOpen();
        List<String> names = List.copyOf(buffers.keySet());
        List<String> prefixes = layout.prefixes();
        List<TensorSpec> specs = new ArrayList<>(prefixes.size() * names.size());
        for (String name : names) {
            long[] shape = buffers.get(name)[0].getShape().getShape();
            for (String prefix : prefixes) {
                specs.add(new TensorSpec(prefix + name, TensorDType.F32, shape));
            }
        }
        TensorSource tensors = TensorSource.streamed(specs, visitor -> {
            ensureOpen();
            for (String name : names) {
                NDArray[] state = buffers.get(name);
                for (int i = 0; i < prefixes.size(); i++) {
                    NativeTensors.visitOnHost(prefixes.get(i) + name, state[i], TensorDType.F32, visitor);
                }
            }
        });
        return new OptimizerState(layout.algorithm(), Map.of(STEP_SCALAR, (double) step), tensors);
    }

    /**
     * Replaces the state with {@code state}, exported for a model with the same parameter names
     * and shapes as {@code model}. Names, types and shapes are validated before any tensor is
     * read, and the tensors are read into a new manager that replaces the old state only once all
     * are in, so a refused or unreadable state leaves the optimiser as it was. Parameters without
     * state in {@code state} start from zeros when first stepped.
     *
     * @throws IllegalArgumentException naming the first mismatch: algorithm, scalars, tensor
     *     names, a buffer without its siblings, element type or shape
     * @throws UncheckedIOException if the state's tensors cannot be read
     */
    void restore(OptimizerState state, LanguageModel model) {
        ensureOpen();
        if (!layout.algorithm().equals(state.algorithm())) {
            throw new IllegalArgumentException("optimizer state was written by '" + state.algorithm() + "', not '"
                    + layout.algorithm() + "' (sppo4j.learner.optimizer must match the checkpoint's)");
        }
        long restoredStep = restoredStep(state.scalars());
        LinkedHashMap<String, Parameter> parameters = model.namedParameters();
        List<Set<String>> named = new ArrayList<>();
        for (int i = 0; i < layout.prefixes().size(); i++) {
            named.add(new LinkedHashSet<>());
        }
        for (TensorSpec tensor : state.tensors().specs()) {
            checkTensor(tensor, parameters, named);
        }
        Set<String> stated = new LinkedHashSet<>();
        named.forEach(stated::addAll);
        for (String name : stated) {
            checkSiblings(name, named);
            checkParameter(name, parameters.get(name).getArray(), model.device());
        }
        NDManager restoredManager = newManager(model);
        Map<String, NDArray> arrays = new HashMap<>();
        try {
            state.tensors().forEach(tensor -> arrays.put(tensor.name(), NativeTensors.toFloat32(tensor, restoredManager)));
        } catch (IOException e) {
            restoredManager.close();
            throw new UncheckedIOException("reading " + layout.displayName() + " state: " + e.getMessage(), e);
        } catch (RuntimeException | Error e) {
            restoredManager.close();
            throw e;
        }
        releaseState();
        manager = restoredManager;
        for (String name : parameters.keySet()) {
            if (stated.contains(name)) {
                NDArray[] restored = new NDArray[layout.prefixes().size()];
                for (int i = 0; i < restored.length; i++) {
                    restored[i] = arrays.get(layout.prefixes().get(i) + name);
                }
                buffers.put(name, restored);
            }
        }
        step = restoredStep;
    }

    /** Frees every buffer and sets the step count to 0, as a new optimiser's. */
    void reset() {
        ensureOpen();
        releaseState();
        step = 0;
    }

    /** Native arrays the state holds (for leak tests). */
    int arrayCount() {
        return manager == null ? 0 : manager.getManagedArrays().size();
    }

    /** Frees the state; the optimiser cannot be used afterwards. */
    @Override
    public void close() {
        if (!closed) {
            releaseState();
            closed = true;
        }
    }

    void ensureOpen() {
        if (closed) {
            throw new IllegalStateException(layout.displayName() + " has been closed");
        }
    }

    /** One tensor of a state to restore: a known prefix, a parameter the model has, F32, of its shape, once. */
    private void checkTensor(TensorSpec tensor, Map<String, Parameter> parameters, List<Set<String>> named) {
        String name = tensor.name();
        int buffer = bufferOf(name);
        String parameterName = name.substring(layout.prefixes().get(buffer).length());
        Parameter parameter = parameters.get(parameterName);
        String what = layout.displayName() + " state tensor '" + name + "'";
        if (parameter == null) {
            throw new IllegalArgumentException(
                    what + " names parameter '" + parameterName + "', which the model does not have");
        }
        if (tensor.dtype() != TensorDType.F32) {
            throw new IllegalArgumentException(what + " is " + tensor.dtype() + ", expected F32");
        }
        Shape expected = parameter.getArray().getShape();
        if (!Arrays.equals(tensor.shape(), expected.getShape())) {
            throw new IllegalArgumentException(what + " has shape " + Arrays.toString(tensor.shape())
                    + " but parameter '" + parameterName + "' has shape " + expected);
        }
        if (!named.get(buffer).add(parameterName)) {
            throw new IllegalArgumentException(what + " appears twice");
        }
    }

    /** Which buffer a tensor name belongs to, by its prefix. */
    private int bufferOf(String tensorName) {
        List<String> prefixes = layout.prefixes();
        for (int i = 0; i < prefixes.size(); i++) {
            if (tensorName.startsWith(prefixes.get(i))) {
                return i;
            }
        }
        List<String> forms = prefixes.stream().map(prefix -> prefix + "<parameter>").toList();
        throw new IllegalArgumentException(layout.displayName() + " state tensor '" + tensorName + "' is "
                + (forms.size() == 1 ? "not " + forms.get(0) : "neither " + String.join(" nor ", forms)));
    }

    /** A parameter with one buffer in the state must have all of them. */
    private void checkSiblings(String parameterName, List<Set<String>> named) {
        List<String> prefixes = layout.prefixes();
        int present = -1;
        for (int i = 0; i < prefixes.size(); i++) {
            if (named.get(i).contains(parameterName)) {
                present = present < 0 ? i : present;
            }
        }
        for (int i = 0; i < prefixes.size(); i++) {
            if (!named.get(i).contains(parameterName)) {
                throw new IllegalArgumentException(layout.displayName() + " state has " + prefixes.get(present)
                        + parameterName + " without its " + prefixes.get(i) + parameterName);
            }
        }
    }

    private long restoredStep(Map<String, Double> scalars) {
        String optimizer = layout.displayName();
        Double value = scalars.get(STEP_SCALAR);
        if (value == null) {
            throw new IllegalArgumentException(optimizer + " state has no '" + STEP_SCALAR + "' scalar");
        }
        if (!(value >= 0 && value <= MAX_EXACT_STEP) || value != Math.rint(value)) {
            throw new IllegalArgumentException(optimizer + " state has step " + value + ", not a non-negative integer");
        }
        for (String name : scalars.keySet()) {
            if (!STEP_SCALAR.equals(name)) {
                throw new IllegalArgumentException(optimizer + " state has an unknown scalar '" + name
                        + "' (expected only '" + STEP_SCALAR + "')");
            }
        }
        return value.longValue();
    }

    private void checkParameter(String name, NDArray array, Device device) {
        if (array.getDataType() != DataType.FLOAT32) {
            throw new IllegalStateException(layout.displayName()
                    + " keeps float32 state and updates float32 parameters; '" + name + "' is " + array.getDataType());
        }
        if (!array.getDevice().equals(device)) {
            throw new IllegalStateException(
                    "parameter '" + name + "' is on " + array.getDevice() + ", the model on " + device);
        }
    }

    /** Not a child of the model's manager: the state lives as long as the optimiser, not the model. */
    private static NDManager newManager(LanguageModel model) {
        return model.manager().getEngine().newBaseManager(model.device());
    }

    private void releaseState() {
        buffers.clear();
        if (manager != null) {
            manager.close();
            manager = null;
        }
    }
}
