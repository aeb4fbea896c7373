package io.sppo4j.model.hf;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import io.sppo4j.model.weights.NamedTensor;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The float32 parameters of a model loaded from an {@link HfCheckpoint}, named exactly as the
 * checkpoint names them, in the order the model declares them.
 */
final class HfParameters {

    private HfCheckpoint checkpoint;
    private final NDManager manager;
    private final LinkedHashMap<String, Parameter> parameters = new LinkedHashMap<>();

    HfParameters(HfCheckpoint checkpoint, NDManager manager) {
        this.checkpoint = checkpoint;
        this.manager = manager;
    }

    HfCheckpoint checkpoint() {
        return checkpoint;
    }

    /**
     * Loads a tensor as a trainable float32 parameter on the manager's device.
     *
     * @throws IllegalArgumentException naming the tensor and the file when it is missing or its shape differs
     */
    Parameter load(String name, long... shape) {
        if (parameters.containsKey(name)) {
            throw new IllegalStateException("parameter '" + name + "' declared twice");
        }
        NamedTensor tensor = checkpoint.tensor(name);
        if (!Arrays.equals(tensor.shape(), shape)) {
            throw new IllegalArgumentException(checkpoint.directory() + ": tensor '" + name + "' has shape "
                    + Arrays.toString(tensor.shape()) + " but config.json implies " + Arrays.toString(shape));
        }
        NDArray array = DiskTensors.toFloat32(tensor, manager);
        array.setRequiresGradient(true);
        Parameter parameter = Parameter.builder()
                .setName(name)
                .setType(shape.length >= 2 ? Parameter.Type.WEIGHT : Parameter.Type.BIAS)
                .optArray(array)
                .build();
        parameters.put(name, parameter);
        return parameter;
    }

    /** {@link #load} when {@code present}, else null (an optional bias). */
    Parameter loadIf(boolean present, String name, long... shape) {
        return present ? load(name, shape) : null;
    }

    /** A copy of the name → parameter map, in declaration order. */
    LinkedHashMap<String, Parameter> named() {
        return new LinkedHashMap<>(parameters);
    }

    /**
     * Ends loading: the checkpoint's layout with only the tensors no parameter holds (buffers such
     * as GPT-2's attn.bias). The loaded tensors' bytes are let go, as the parameters now hold them.
     */
    HfCheckpoint finishLoading() {
        Set<String> rest = new LinkedHashSet<>(checkpoint.tensors().keySet());
        rest.removeAll(parameters.keySet());
        checkpoint = checkpoint.retaining(rest);
        return checkpoint;
    }

    void setTrainable(boolean trainable) {
        for (Parameter parameter : parameters.values()) {
            parameter.freeze(!trainable);
        }
    }

    /** The value of an optional parameter, or null. */
    static NDArray valueOf(Parameter parameter) {
        return parameter == null ? null : parameter.getArray();
    }
}
