package io.sppo4j.model.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
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
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * {@link RmsProp}'s running averages as an {@link OptimizerState} and back, streamed one tensor
 * at a time as {@link AdamWState} streams AdamW's moments.
 */
final class RmsPropState {

    /** Doubles represent every integer step count up to 2^53 exactly. */
    private static final double MAX_EXACT_STEP = 0x1p53;

    /** Averages read back, owned by {@code manager}, not yet in use by any optimiser. */
    record Restored(NDManager manager, Map<String, NDArray> squareAverages, long step) {}

    private RmsPropState() {}

    /** @param checkOpen throws once the optimiser is closed (its state is freed) */
    static OptimizerState export(Map<String, NDArray> squareAverages, long step, Runnable checkOpen) {
        List<String> names = List.copyOf(squareAverages.keySet());
        TensorSource tensors = new TensorSource() {
            @Override
            public List<TensorSpec> specs() {
                List<TensorSpec> specs = new ArrayList<>(names.size());
                for (String name : names) {
                    specs.add(new TensorSpec(RmsProp.SQUARE_AVERAGE_PREFIX + name, TensorDType.F32,
                            squareAverages.get(name).getShape().getShape()));
                }
                return specs;
            }

            @Override
            public void forEach(Visitor visitor) throws IOException {
                checkOpen.run();
                for (String name : names) {
                    NativeTensors.visitOnHost(
                            RmsProp.SQUARE_AVERAGE_PREFIX + name, squareAverages.get(name), TensorDType.F32, visitor);
                }
            }
        };
        return new OptimizerState(RmsProp.ALGORITHM, Map.of(RmsProp.STEP_SCALAR, (double) step), tensors);
    }

    /**
     * Validates {@code state} against {@code model} from its specs alone, then reads its tensors.
     *
     * @param checkParameter refuses a parameter the optimiser cannot keep state for, by name
     * @param newManager where the restored averages will live
     */
    static Restored restore(OptimizerState state, LanguageModel model, Consumer<String> checkParameter,
            Supplier<NDManager> newManager) {
        if (!RmsProp.ALGORITHM.equals(state.algorithm())) {
            throw new IllegalArgumentException("optimizer state was written by '" + state.algorithm() + "', not '"
                    + RmsProp.ALGORITHM + "' (sppo4j.learner.optimizer must match the checkpoint's)");
        }
        long step = restoredStep(state.scalars());
        LinkedHashMap<String, Parameter> parameters = model.namedParameters();
        Set<String> named = new LinkedHashSet<>();
        for (TensorSpec tensor : state.tensors().specs()) {
            named.add(checkTensor(tensor, parameters, named));
        }
        named.forEach(checkParameter);
        NDManager manager = newManager.get();
        Map<String, NDArray> arrays = new HashMap<>();
        try {
            state.tensors().forEach(tensor -> arrays.put(tensor.name(), NativeTensors.toFloat32(tensor, manager)));
        } catch (IOException e) {
            manager.close();
            throw new UncheckedIOException("reading RmsProp state: " + e.getMessage(), e);
        } catch (RuntimeException | Error e) {
            manager.close();
            throw e;
        }
        Map<String, NDArray> squareAverages = new LinkedHashMap<>();
        for (String name : parameters.keySet()) {
            if (named.contains(name)) {
                squareAverages.put(name, arrays.get(RmsProp.SQUARE_AVERAGE_PREFIX + name));
            }
        }
        return new Restored(manager, squareAverages, step);
    }

    /** One tensor to restore: square_avg. of a parameter the model has, F32, of its shape, once; its parameter. */
    private static String checkTensor(TensorSpec tensor, Map<String, Parameter> parameters, Set<String> seen) {
        String name = tensor.name();
        if (!name.startsWith(RmsProp.SQUARE_AVERAGE_PREFIX)) {
            throw new IllegalArgumentException(
                    "RmsProp state tensor '" + name + "' is not " + RmsProp.SQUARE_AVERAGE_PREFIX + "<parameter>");
        }
        String parameterName = name.substring(RmsProp.SQUARE_AVERAGE_PREFIX.length());
        Parameter parameter = parameters.get(parameterName);
        if (parameter == null) {
            throw new IllegalArgumentException("RmsProp state tensor '" + name + "' names parameter '" + parameterName
                    + "', which the model does not have");
        }
        if (tensor.dtype() != TensorDType.F32) {
            throw new IllegalArgumentException(
                    "RmsProp state tensor '" + name + "' is " + tensor.dtype() + ", expected F32");
        }
        long[] expected = parameter.getArray().getShape().getShape();
        if (!Arrays.equals(tensor.shape(), expected)) {
            throw new IllegalArgumentException("RmsProp state tensor '" + name + "' has shape "
                    + Arrays.toString(tensor.shape()) + " but parameter '" + parameterName + "' has shape "
                    + Arrays.toString(expected));
        }
        if (seen.contains(parameterName)) {
            throw new IllegalArgumentException("RmsProp state tensor '" + name + "' appears twice");
        }
        return parameterName;
    }

    private static long restoredStep(Map<String, Double> scalars) {
        Double value = scalars.get(RmsProp.STEP_SCALAR);
        if (value == null) {
            throw new IllegalArgumentException("RmsProp state has no '" + RmsProp.STEP_SCALAR + "' scalar");
        }
        if (!(value >= 0 && value <= MAX_EXACT_STEP) || value != Math.rint(value)) {
            throw new IllegalArgumentException("RmsProp state has step " + value + ", not a non-negative integer");
        }
        for (String name : scalars.keySet()) {
            if (!RmsProp.STEP_SCALAR.equals(name)) {
                throw new IllegalArgumentException("RmsProp state has an unknown scalar '" + name
                        + "' (expected only '" + RmsProp.STEP_SCALAR + "')");
            }
        }
        return value.longValue();
    }
}
