package io.sppo4j.model.weights;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import io.sppo4j.model.nd.Autograd;
import io.sppo4j.model.nd.Casts;
import io.sppo4j.model.nd.DirectBuffers;
import io.sppo4j.model.policy.LanguageModel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Copies a model's parameters to host bytes and back, in the model's parameter order. */
final class ModelParameters {

    /** How many offending names an error lists before it only counts the rest. */
    private static final int NAMES_SHOWN = 5;

    private ModelParameters() {}

    /** Every parameter as float32 host bytes, in {@link LanguageModel#namedParameters()} order. */
    static List<NamedTensor> read(LanguageModel model) {
        List<NamedTensor> tensors = new ArrayList<>();
        // Paused: copying a parameter that requires grad must not add a node to the graph.
        try (Autograd.Scope paused = Autograd.paused(); NDManager scope = model.manager().newSubManager()) {
            for (Map.Entry<String, Parameter> entry : model.namedParameters().entrySet()) {
                tensors.add(NamedTensor.fromArray(entry.getKey(), onHost(entry.getValue().getArray(), scope)));
            }
        }
        return tensors;
    }

    /**
     * The array itself when it is float32 on the CPU. Otherwise a float32 host copy owned by
     * {@code scope}: DJL would copy it anyway inside toByteBuffer, into the parameter's
     * long-lived manager, and never free it.
     */
    private static NDArray onHost(NDArray array, NDManager scope) {
        // A bfloat16 model widens exactly, on its device (DJL cannot move an array of a type it cannot name).
        NDArray float32 = Casts.to(array, DataType.FLOAT32, scope);
        if (float32.getDevice().equals(Device.cpu())) {
            return float32;
        }
        NDArray copy = float32.toDevice(Device.cpu(), true);
        copy.attach(scope);
        return copy;
    }

    /**
     * Overwrites the model's parameters in place with {@code tensors} (F32, or BF16 widened).
     * Everything is checked before the first write, so a refused snapshot leaves the model as it
     * was. The Parameter objects and their arrays stay the same objects, so optimiser state
     * keyed by name and the requires-grad flag survive.
     *
     * @param source names the tensors' origin in error messages, e.g. "weight snapshot v12"
     * @throws IllegalArgumentException naming the first offending tensor when names, order,
     *     count, shapes or element types do not match the model
     */
    static void write(LanguageModel model, List<NamedTensor> tensors, String source) {
        LinkedHashMap<String, Parameter> parameters = model.namedParameters();
        checkNames(parameters, tensors, source);
        List<NDArray> targets = new ArrayList<>(tensors.size());
        for (NamedTensor tensor : tensors) {
            NDArray target = parameters.get(tensor.name()).getArray();
            checkFits(target, tensor, source);
            targets.add(target);
        }
        try (Autograd.Scope paused = Autograd.paused()) {
            for (int i = 0; i < tensors.size(); i++) {
                copyInto(targets.get(i), tensors.get(i), model.manager());
            }
        }
    }

    private static void checkNames(Map<String, Parameter> parameters, List<NamedTensor> tensors, String source) {
        List<String> expected = new ArrayList<>(parameters.keySet());
        List<String> actual = tensors.stream().map(NamedTensor::name).toList();
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

    private static void checkFits(NDArray target, NamedTensor tensor, String source) {
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
        if (tensor.dtype() != TensorDType.F32 && tensor.dtype() != TensorDType.BF16) {
            throw new IllegalArgumentException(
                    source + ": tensor '" + tensor.name() + "' is " + tensor.dtype() + "; expected F32 or BF16");
        }
    }

    /**
     * Copies into the parameter's existing storage (torch's copy_). DJL's set(Buffer) would
     * instead swap, on the CPU, the parameter's storage for the Java buffer, leaving any live
     * view of the old storage (a retained autograd graph, say) on memory the GC may free.
     */
    private static void copyInto(NDArray target, NamedTensor tensor, NDManager owner) {
        ByteBuffer values = nativeFloat32(tensor);
        try (NDManager scope = owner.newSubManager(target.getDevice())) {
            NDArray float32 = scope.create(values, target.getShape(), DataType.FLOAT32);
            NDArray source = Casts.to(float32, Casts.typeOf(target)); // a bfloat16 model rounds to nearest even
            target.set(new NDIndex("..."), source); // every element, in place
        }
        // The tensor made from it is closed: its memory returns now, not at the next collection.
        DirectBuffers.free(values);
    }

    /**
     * A direct buffer in native order, as DJL's create(Buffer) wants it. Built from bit patterns so
     * an F32 tensor arrives bit for bit (a float round trip may quieten NaN payloads).
     */
    private static ByteBuffer nativeFloat32(NamedTensor tensor) {
        NamedTensor f32 = TensorEncoding.FP32.encode(tensor);
        ByteBuffer buffer = ByteBuffer.allocateDirect(f32.data().length).order(ByteOrder.nativeOrder());
        if (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {
            buffer.put(f32.data());
        } else {
            buffer.asIntBuffer().put(ByteBuffer.wrap(f32.data()).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer());
        }
        return buffer.rewind();
    }

    private static String names(Set<String> names) {
        List<String> shown = names.stream().limit(NAMES_SHOWN).map(name -> "'" + name + "'").toList();
        String more = names.size() > NAMES_SHOWN ? " and " + (names.size() - NAMES_SHOWN) + " more" : "";
        return (names.size() == 1 ? "tensor " : "tensors ") + String.join(", ", shown) + more;
    }
}
