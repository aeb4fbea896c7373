package io.sppo4j.actors.data;

import io.sppo4j.model.weights.NamedTensor;
import io.sppo4j.model.weights.TensorEncoding;
import io.sppo4j.model.weights.WeightSnapshot;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Everything about a weight snapshot but its bytes: version, encoding, checksum and the tensors'
 * names, types and shapes, in order. The bytes follow as chunks of the tensors' concatenation.
 */
public record SnapshotHeader(long version, TensorEncoding encoding, int checksum, List<TensorHeader> tensors) {

    public SnapshotHeader {
        Objects.requireNonNull(encoding, "encoding");
        tensors = List.copyOf(tensors);
    }

    public static SnapshotHeader of(WeightSnapshot snapshot) {
        List<TensorHeader> headers = new ArrayList<>(snapshot.tensors().size());
        for (NamedTensor tensor : snapshot.tensors()) {
            headers.add(new TensorHeader(tensor.name(), tensor.dtype(), tensor.shape()));
        }
        return new SnapshotHeader(snapshot.version(), snapshot.encoding(), snapshot.checksum(), headers);
    }

    /** Bytes of all tensors together. */
    public long totalBytes() {
        long total = 0;
        for (TensorHeader tensor : tensors) {
            total += tensor.byteSize();
        }
        return total;
    }
}
