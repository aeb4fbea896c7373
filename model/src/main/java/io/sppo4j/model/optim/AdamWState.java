package io.sppo4j.model.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
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
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * {@link AdamW}'s moments as an {@link OptimizerState} and back, streamed one tensor at a time:
 * an export is a view of the live moments, a restore reads each tensor into native memory of the
 * optimiser's device. Neither holds the moments on the Java heap.
 */
final class AdamWState {

    /** Doubles represent every integer step count up to 2^53 exactly. */
    private static final double MAX_EXACT_STEP = 0x1p53;

    /** Moments read back, owned by {@code manager}, not yet in use by any optimiser. */
    record Restored(NDManager manager, Map<String, AdamW.Moments> moments, long step) {}

    private AdamWState() {}

    /**
     * @param moments the optimiser's live moments, by parameter, in state order
     * @param checkOpen throws once the optimiser is closed (its moments are freed)
     */
    static OptimizerState export(Map<String, AdamW.Moments> moments, long step, Runnable checkOpen) {
        List<String> names = List.copyOf(moments.keySet());
        TensorSource tensors = new TensorSource() {
            @Override
            public List<TensorSpec> specs() {
                List<TensorSpec> specs = new ArrayList<>(2 * names.size());
                for (String name : names) {
                    long[] shape = moments.get(name).first().getShape().getShape();
                    specs.add(new TensorSpec(AdamW.FIRST_MOMENT_PREFIX + name, TensorDType.F32, shape));
                    specs.add(new TensorSpec(AdamW.SECOND_MOMENT_PREFIX + name, TensorDType.F32, shape));
                }
                return specs;
            }

            @Override
            public void forEach(Visitor visitor) throws IOException {
                checkOpen.run();
                for (String name : names) {
                    AdamW.Moments state = moments.get(name);
                    NativeTensors.visitOnHost(AdamW.FIRST_MOMENT_PREFIX + name, state.first(), TensorDType.F32, visitor);
                    NativeTensors.visitOnHost(AdamW.SECOND_MOMENT_PREFIX + name, state.second(), TensorDType.F32, visitor);
                }
            }
        };
        return new OptimizerState(AdamW.ALGORITHM, Map.of(AdamW.STEP_SCALAR, (double) step), tensors);
    }

    /**
     * Validates {@code state} against {@code model} from its specs alone, then reads its tensors.
     *
     * @param checkParameter refuses a parameter the optimiser cannot keep state for, by name
     * @param newManager where the restored moments will live
     */
    static Restored restore(OptimizerState state, LanguageModel model, Consumer<String> checkParameter,
            Supplier<NDManager> newManager) {
        if (!AdamW.ALGORITHM.equals(state.algorithm())) {
            throw new IllegalArgumentException(
                    "optimizer state was written by '" + state.algorithm() + "', not '" + AdamW.ALGORITHM + "'");
        }
        long step = restoredStep(state.scalars());
        LinkedHashMap<String, Parameter> parameters = model.namedParameters();
        Set<String> first = new HashSet<>();
        Set<String> second = new HashSet<>();
        for (TensorSpec tensor : state.tensors().specs()) {
            checkTensor(tensor, parameters, first, second);
        }
        for (String name : parameters.keySet()) {
            if (first.contains(name) != second.contains(name)) {
                throw new IllegalArgumentException(
                        "AdamW state has " + (first.contains(name) ? "m." : "v.") + name + " without its "
                                + (first.contains(name) ? "v." : "m.") + name);
            }
        }
        first.forEach(checkParameter);
        NDManager manager = newManager.get();
        Map<String, NDArray> arrays = new HashMap<>();
        try {
            state.tensors().forEach(tensor -> arrays.put(tensor.name(), NativeTensors.toFloat32(tensor, manager)));
        } catch (IOException e) {
            manager.close();
            throw new UncheckedIOException("reading AdamW state: " + e.getMessage(), e);
        } catch (RuntimeException | Error e) {
            manager.close();
            throw e;
        }
        Map<String, AdamW.Moments> moments = new LinkedHashMap<>();
        for (String name : parameters.keySet()) {
            if (first.contains(name)) {
                moments.put(name, new AdamW.Moments(
                        arrays.get(AdamW.FIRST_MOMENT_PREFIX + name), arrays.get(AdamW.SECOND_MOMENT_PREFIX + name)));
            }
        }
        return new Restored(manager, moments, step);
    }

    /** One tensor of a state to restore: m. or v. of a parameter the model has, F32, of its shape, once. */
    private static void checkTensor(
            TensorSpec tensor, Map<String, Parameter> parameters, Set<String> first, Set<String> second) {
        String name = tensor.name();
        Set<String> into;
        String parameterName;
        if (name.startsWith(AdamW.FIRST_MOMENT_PREFIX)) {
            into = first;
            parameterName = name.substring(AdamW.FIRST_MOMENT_PREFIX.length());
        } else if (name.startsWith(AdamW.SECOND_MOMENT_PREFIX)) {
            into = second;
            parameterName = name.substring(AdamW.SECOND_MOMENT_PREFIX.length());
        } else {
            throw new IllegalArgumentException(
                    "AdamW state tensor '" + name + "' is neither m.<parameter> nor v.<parameter>");
        }
        Parameter parameter = parameters.get(parameterName);
        if (parameter == null) {
            throw new IllegalArgumentException(
                    "AdamW state tensor '" + name + "' names parameter '" + parameterName
                            + "', which the model does not have");
        }
        if (tensor.dtype() != TensorDType.F32) {
            throw new IllegalArgumentException(
                    "AdamW state tensor '" + name + "' is " + tensor.dtype() + ", expected F32");
        }
        Shape expected = parameter.getArray().getShape();
        if (!Arrays.equals(tensor.shape(), expected.getShape())) {
            throw new IllegalArgumentException(
                    "AdamW state tensor '" + name + "' has shape " + Arrays.toString(tensor.shape())
                            + " but parameter '" + parameterName + "' has shape " + expected);
        }
        if (!into.add(parameterName)) {
            throw new IllegalArgumentException("AdamW state tensor '" + name + "' appears twice");
        }
    }

    private static long restoredStep(Map<String, Double> scalars) {
        Double value = scalars.get(AdamW.STEP_SCALAR);
        if (value == null) {
            throw new IllegalArgumentException("AdamW state has no '" + AdamW.STEP_SCALAR + "' scalar");
        }
        if (!(value >= 0 && value <= MAX_EXACT_STEP) || value != Math.rint(value)) {
            throw new IllegalArgumentException("AdamW state has step " + value + ", not a non-negative integer");
        }
        for (String name : scalars.keySet()) {
            if (!AdamW.STEP_SCALAR.equals(name)) {
                throw new IllegalArgumentException(
                        "AdamW state has an unknown scalar '" + name + "' (expected only '" + AdamW.STEP_SCALAR + "')");
            }
        }
        return value.longValue();
    }
}
