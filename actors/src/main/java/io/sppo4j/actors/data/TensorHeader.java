package io.sppo4j.actors.data;

import io.sppo4j.model.weights.TensorDType;

import java.util.Arrays;
import java.util.Objects;

/** A tensor of a weight snapshot without its bytes: what a receiver allocates before the chunks come. */
public record TensorHeader(String name, TensorDType dtype, long[] shape) {

    public TensorHeader {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        shape = shape.clone();
    }

    /** Bytes of the tensor's data. */
    public long byteSize() {
        long count = 1;
        for (long dim : shape) {
            count = Math.multiplyExact(count, dim);
        }
        return count * dtype.bytes();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof TensorHeader that
                && name.equals(that.name) && dtype == that.dtype && Arrays.equals(shape, that.shape);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, dtype, Arrays.hashCode(shape));
    }
}
