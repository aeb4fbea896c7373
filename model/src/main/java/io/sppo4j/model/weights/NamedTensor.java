package io.sppo4j.model.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * A tensor as host bytes: name, element type, shape and little-endian data. Independent of the
 * device the values came from, so a GPU learner feeds CPU workers and the reverse.
 */
public record NamedTensor(String name, TensorDType dtype, long[] shape, byte[] data) {

    public NamedTensor {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        shape = shape.clone();
        long elements = elementCount(shape);
        if (data.length != elements * dtype.bytes()) {
            throw new IllegalArgumentException(
                    "tensor " + name + ": " + data.length + " bytes for shape " + Arrays.toString(shape)
                            + " of " + dtype + " (expected " + elements * dtype.bytes() + ")");
        }
    }

    /** Copies an FP32 array off its device. */
    public static NamedTensor fromArray(String name, NDArray array) {
        if (array.getDataType() != DataType.FLOAT32) {
            throw new IllegalArgumentException("tensor " + name + ": expected float32, got " + array.getDataType());
        }
        ByteBuffer buffer = array.toByteBuffer().order(ByteOrder.nativeOrder());
        byte[] bytes = new byte[buffer.remaining()];
        if (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {
            buffer.get(bytes);
        } else {
            ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(buffer.asFloatBuffer());
        }
        return new NamedTensor(name, TensorDType.F32, array.getShape().getShape(), bytes);
    }

    /** The values as an FP32 array on {@code manager}'s device (BF16 and F16 are widened). */
    public NDArray toArray(NDManager manager) {
        return manager.create(toFloats(), new Shape(shape));
    }

    /** The values as floats, widening BF16 and F16. */
    public float[] toFloats() {
        ByteBuffer buffer = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        float[] values = new float[Math.toIntExact(elementCount(shape))];
        switch (dtype) {
            case F32 -> buffer.asFloatBuffer().get(values);
            case BF16 -> {
                for (int i = 0; i < values.length; i++) {
                    values[i] = Float.intBitsToFloat((buffer.getShort(2 * i) & 0xFFFF) << 16);
                }
            }
            case F16 -> {
                for (int i = 0; i < values.length; i++) {
                    values[i] = halfToFloat(buffer.getShort(2 * i));
                }
            }
            case I64 -> {
                for (int i = 0; i < values.length; i++) {
                    values[i] = buffer.getLong(8 * i);
                }
            }
        }
        return values;
    }

    /** IEEE 754 binary16 to float (Float.float16ToFloat arrived only in Java 20). */
    static float halfToFloat(short half) {
        int bits = half & 0xFFFF;
        int sign = (bits & 0x8000) << 16;
        int exponent = (bits >>> 10) & 0x1F;
        int mantissa = bits & 0x3FF;
        if (exponent == 0x1F) {
            return Float.intBitsToFloat(sign | 0x7F800000 | (mantissa << 13)); // inf or NaN
        }
        if (exponent == 0) {
            float magnitude = mantissa * 0x1p-24f; // subnormal (or zero)
            return sign == 0 ? magnitude : -magnitude;
        }
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }

    public long elementCount() {
        return elementCount(shape);
    }

    private static long elementCount(long[] shape) {
        long count = 1;
        for (long dim : shape) {
            if (dim < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            count = Math.multiplyExact(count, dim);
        }
        return count;
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof NamedTensor that
                && name.equals(that.name)
                && dtype == that.dtype
                && Arrays.equals(shape, that.shape)
                && Arrays.equals(data, that.data);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, dtype, Arrays.hashCode(shape), Arrays.hashCode(data));
    }

    @Override
    public String toString() {
        return "NamedTensor[" + name + ", " + dtype + ", " + Arrays.toString(shape) + "]";
    }
}
