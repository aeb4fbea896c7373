package io.sppo4j.actors.data;

import io.sppo4j.model.weights.TensorEncoding;
import io.sppo4j.model.weights.TensorSpec;
import io.sppo4j.model.weights.WeightSnapshot;

import java.util.List;
import java.util.Objects;

/**
 * Everything about a weight snapshot but its bytes: version, encoding, checksum and the tensors'
 * names, types and shapes, in order. The bytes follow as chunks of the tensors' concatenation.
 */
public record SnapshotHeader(long version, TensorEncoding encoding, int checksum, List<TensorSpec> tensors) {

    public SnapshotHeader {
        Objects.requireNonNull(encoding, "encoding");
        tensors = List.copyOf(tensors);
    }

    public static SnapshotHeader of(WeightSnapshot snapshot) {
        return new SnapshotHeader(snapshot.version(), snapshot.encoding(), snapshot.checksum(), snapshot.specs());
    }

    /** Bytes of all tensors together. */
    public long totalBytes() {
        long total = 0;
        for (TensorSpec tensor : tensors) {
            total += tensor.byteSize();
        }
        return total;
    }
}
