package io.sppo4j.model.weights;

import java.util.Arrays;
import java.util.Objects;

/**
 * What a tensor is, without its bytes: name, element type and shape. Headers (safetensors,
 * snapshot offers, checksums) are written from specs before any data moves.
 */
public record TensorSpec(String name, TensorDType dtype, long[] shape) {

    public TensorSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        shape = shape.clone();
        elementCount(shape); // refuses negative dimensions and overflow now, not at first use
    }

    public long elementCount() {
        return elementCount(shape);
    }

    /** Bytes of the tensor's data. */
    public long byteSize() {
        return Math.multiplyExact(elementCount(), dtype.bytes());
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    static long elementCount(long[] shape) {
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
    public boolean equals(Object other) {
        return other instanceof TensorSpec that
                && name.equals(that.name) && dtype == that.dtype && Arrays.equals(shape, that.shape);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, dtype, Arrays.hashCode(shape));
    }

    @Override
    public String toString() {
        return name + " " + dtype + " " + Arrays.toString(shape);
    }
}
