package io.sppo4j.model.hf;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.sppo4j.model.nd.DirectBuffers;
import io.sppo4j.model.weights.NamedTensor;
import io.sppo4j.model.weights.TensorDType;
import io.sppo4j.model.weights.TensorEncoding;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Tensors between their on-disk dtype (F32, BF16, F16) and the float32 parameters computed with.
 * Widening is exact; narrowing rounds to nearest even, so a weight that was not changed is saved
 * with the bits it was loaded with.
 */
final class DiskTensors {

    private DiskTensors() {}

    /** A float32 copy of {@code tensor} on {@code owner}'s device, owned by {@code owner}. */
    static NDArray toFloat32(NamedTensor tensor, NDManager owner) {
        byte[] littleEndian = switch (tensor.dtype()) {
            case F32, BF16 -> TensorEncoding.FP32.encode(tensor).data(); // bit patterns, no float rounding
            case F16 -> {
                float[] values = tensor.toFloats();
                ByteBuffer f32 = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                f32.asFloatBuffer().put(values);
                yield f32.array();
            }
            case I64 -> throw new IllegalArgumentException(
                    "tensor '" + tensor.name() + "' is I64; model parameters must be F32, BF16 or F16");
        };
        ByteBuffer direct = ByteBuffer.allocateDirect(littleEndian.length).order(ByteOrder.nativeOrder());
        direct.asFloatBuffer().put(ByteBuffer.wrap(littleEndian).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer());
        try (NDManager scope = owner.newSubManager(owner.getDevice())) {
            // DJL may keep a created array on the Java buffer's memory; the copy lives in native memory of its own.
            NDArray view = scope.create(direct, new Shape(tensor.shape()), DataType.FLOAT32);
            NDArray owned = view.duplicate();
            owned.attach(owner);
            return owned;
        } finally {
            DirectBuffers.free(direct); // the view is closed: a model's worth returns now, not at the next collection
        }
    }

    /** {@code array} (float32, any device) as a tensor of {@code dtype}. */
    static NamedTensor fromFloat32(String name, NDArray array, TensorDType dtype) {
        NamedTensor f32;
        if (array.getDevice().equals(Device.cpu())) {
            f32 = NamedTensor.fromArray(name, array);
        } else {
            try (NDManager scope = array.getManager().newSubManager(Device.cpu())) {
                NDArray host = array.toDevice(Device.cpu(), true);
                host.attach(scope);
                f32 = NamedTensor.fromArray(name, host);
            }
        }
        return switch (dtype) {
            case F32 -> f32;
            case BF16 -> TensorEncoding.BF16.encode(f32);
            case F16 -> {
                float[] values = f32.toFloats();
                ByteBuffer f16 = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
                for (float value : values) {
                    f16.putShort(HalfFloat.fromFloat(value));
                }
                yield new NamedTensor(name, TensorDType.F16, f32.shape(), f16.array());
            }
            case I64 -> throw new IllegalArgumentException("tensor '" + name + "': cannot save a parameter as I64");
        };
    }
}
