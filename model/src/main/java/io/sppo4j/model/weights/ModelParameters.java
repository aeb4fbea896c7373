package io.sppo4j.model.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import io.sppo4j.model.nd.Autograd;
import io.sppo4j.model.nd.Casts;
import io.sppo4j.model.policy.LanguageModel;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A model's parameters as a stream of host tensors, and back: tensor by tensor, so at most one
 * parameter's host copy exists at a time (none at all for float32 parameters on the CPU, which
 * are handed out as views of their own memory).
 */
public final class ModelParameters {

    /** How many offending names an error lists before it only counts the rest. */
    private static final int NAMES_SHOWN = 5;

    private ModelParameters() {}

    /**
     * The parameters as they are now, as float32, in {@link LanguageModel#namedParameters()}
     * order. Live: read it (save it, send it) before anything changes the model.
     */
    public static TensorSource source(LanguageModel model) {
        return new TensorSource() {
            @Override
            public List<TensorSpec> specs() {
                List<TensorSpec> specs = new ArrayList<>();
                model.namedParameters().forEach((name, parameter) ->
                        specs.add(new TensorSpec(name, TensorDType.F32, parameter.getArray().getShape().getShape())));
                return specs;
            }

            @Override
            public void forEach(Visitor visitor) throws IOException {
                // Paused: reading a parameter that requires grad must not add a node to the graph.
                try (Autograd.Scope paused = Autograd.paused()) {
                    for (Map.Entry<String, Parameter> entry : model.namedParameters().entrySet()) {
                        NativeTensors.visitOnHost(entry.getKey(), entry.getValue().getArray(), TensorDType.F32, visitor);
                    }
                }
            }
        };
    }

    /**
     * Overwrites the model's parameters in place with {@code tensors} (F32, or BF16 and F16
     * widened), streaming them one at a time. Names, order, shapes and types are checked before
     * the first write, so a refused source leaves the model as it was (an I/O error half way
     * through does not). The Parameter objects and their arrays stay the same objects, so
     * optimiser state keyed by name and the requires-grad flag survive.
     *
     * @param source names the tensors' origin in error messages, e.g. "weight snapshot v12"
     * @throws IllegalArgumentException naming the first offending tensor when names, order,
     *     count, shapes or element types do not match the model
     */
    public static void write(LanguageModel model, TensorSource tensors, String source) throws IOException {
        LinkedHashMap<String, Parameter> parameters = model.namedParameters();
        List<TensorSpec> specs = tensors.specs();
        checkNames(parameters, specs, source);
        List<NDArray> targets = new ArrayList<>(specs.size());
        for (TensorSpec spec : specs) {
            NDArray target = parameters.get(spec.name()).getArray();
            checkFits(target, spec, source);
            targets.add(target);
        }
        try (Autograd.Scope paused = Autograd.paused()) {
            int[] index = {0};
            tensors.forEach(tensor -> NativeTensors.copyInto(targets.get(index[0]++), tensor));
        }
        model.parametersWritten();
    }

    private static void checkNames(Map<String, Parameter> parameters, List<TensorSpec> tensors, String source) {
        List<String> expected = new ArrayList<>(parameters.keySet());
        List<String> actual = tensors.stream().map(TensorSpec::name).toList();
        if (expected.equals(actual)) {
            return;
        }
        Set<String> missing = new LinkedHashSet<>(expected);
        actual.forEach(missing::remove);
        Set<String> unexpected = new LinkedHashSet<>(actual);
        expected.forEach(unexpected::remove);
        String counts = " (the snapshot has " + actual.size() + " tensors, the model " + expected.size() + " parameters)";
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException(
                    source + " does not fit the model: missing " + names(missing) + counts);
        }
        if (!unexpected.isEmpty()) {
            throw new IllegalArgumentException(
                    source + " does not fit the model: unexpected " + names(unexpected) + counts);
        }
        if (actual.size() != new LinkedHashSet<>(actual).size()) {
            throw new IllegalArgumentException(source + " names a tensor twice" + counts);
        }
        for (int i = 0; i < expected.size(); i++) {
            if (!expected.get(i).equals(actual.get(i))) {
                // Order is part of the contract: receivers may stream tensors positionally.
                throw new IllegalArgumentException(
                        source + " does not fit the model: tensor #" + i + " is '" + actual.get(i)
                                + "' but the model's parameter #" + i + " is '" + expected.get(i) + "'");
            }
        }
    }

    private static void checkFits(NDArray target, TensorSpec tensor, String source) {
        long[] modelShape = target.getShape().getShape();
        if (!Arrays.equals(modelShape, tensor.shape())) {
            throw new IllegalArgumentException(
                    source + " does not fit the model: tensor '" + tensor.name() + "' has shape "
                            + Arrays.toString(tensor.shape()) + " but the model's parameter has shape "
                            + Arrays.toString(modelShape));
        }
        DataType type = Casts.typeOf(target);
        if (type != DataType.FLOAT32 && type != DataType.BFLOAT16) {
            throw new IllegalArgumentException(
                    source + ": parameter '" + tensor.name() + "' is " + type
                            + "; snapshots load into float32 or bfloat16 parameters only");
        }
        if (tensor.dtype() == TensorDType.I64) {
            throw new IllegalArgumentException(
                    source + ": tensor '" + tensor.name() + "' is " + tensor.dtype() + "; expected F32, BF16 or F16");
        }
    }

    private static String names(Set<String> names) {
        List<String> shown = names.stream().limit(NAMES_SHOWN).map(name -> "'" + name + "'").toList();
        String more = names.size() > NAMES_SHOWN ? " and " + (names.size() - NAMES_SHOWN) + " more" : "";
        return (names.size() == 1 ? "tensor " : "tensors ") + String.join(", ", shown) + more;
    }
}
