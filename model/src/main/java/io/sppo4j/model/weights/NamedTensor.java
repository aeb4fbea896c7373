package io.sppo4j.model.weights;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * A tensor as little-endian bytes with its name, element type and shape. The bytes are a view,
 * never copied here: of a Java array (small tensors, tests), of native memory (a weight
 * snapshot, a parameter on the CPU) or of a mapped file (a safetensors file). A view of native or
 * mapped memory is valid only as long as its owner says (see {@link TensorSource#forEach}).
 * Independent of the device the values came from, so a GPU learner feeds CPU workers and the reverse.
 */
public final class NamedTensor {

    private final TensorSpec spec;
    private final ByteBuffer bytes;

    /** Wraps {@code data} without copying it. */
    public NamedTensor(String name, TensorDType dtype, long[] shape, byte[] data) {
        this(new TensorSpec(name, dtype, shape), ByteBuffer.wrap(data));
    }

    /** Wraps {@code data}'s remaining bytes without copying them. */
    public NamedTensor(String name, TensorDType dtype, long[] shape, ByteBuffer data) {
        this(new TensorSpec(name, dtype, shape), data);
    }

    public NamedTensor(TensorSpec spec, ByteBuffer data) {
        this.spec = Objects.requireNonNull(spec, "spec");
        if (data.remaining() != spec.byteSize()) {
            throw new IllegalArgumentException("tensor " + spec.name() + ": " + data.remaining() + " bytes for "
                    + spec + " (expected " + spec.byteSize() + ")");
        }
        this.bytes = data.slice().asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    public TensorSpec spec() {
        return spec;
    }

    public String name() {
        return spec.name();
    }

    public TensorDType dtype() {
        return spec.dtype();
    }

    public long[] shape() {
        return spec.shape();
    }

    public long elementCount() {
        return spec.elementCount();
    }

    public long byteSize() {
        return bytes.capacity();
    }

    /** The bytes, read-only and little-endian, from position 0: a view, not a copy. */
    public ByteBuffer bytes() {
        return bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Whether the bytes live outside the Java heap (native memory or a mapped file). */
    public boolean isDirect() {
        return bytes.isDirect();
    }

    /** A copy of the bytes on the Java heap: for small tensors and tests only. */
    public byte[] data() {
        byte[] copy = new byte[bytes.capacity()];
        bytes().get(copy);
        return copy;
    }

    /** The values as floats on the Java heap, widening BF16 and F16: for small tensors and tests only. */
    public float[] toFloats() {
        ByteBuffer buffer = bytes();
        float[] values = new float[Math.toIntExact(spec.elementCount())];
        switch (spec.dtype()) {
            case F32 -> buffer.asFloatBuffer().get(values);
            case BF16 -> {
                for (int i = 0; i < values.length; i++) {
                    values[i] = BFloat16.toFloat(buffer.getShort(2 * i));
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

    /** Same name, type, shape and bytes, wherever the bytes live. */
    @Override
    public boolean equals(Object other) {
        return other instanceof NamedTensor that && spec.equals(that.spec) && bytes().equals(that.bytes());
    }

    /** From the spec only: hashing would otherwise read every byte. */
    @Override
    public int hashCode() {
        return spec.hashCode();
    }

    @Override
    public String toString() {
        return "NamedTensor[" + spec + "]";
    }
}
