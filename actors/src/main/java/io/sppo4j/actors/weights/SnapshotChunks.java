package io.sppo4j.actors.weights;

import io.sppo4j.model.weights.NamedTensor;
import io.sppo4j.model.weights.WeightSnapshot;

import java.util.List;

/**
 * A snapshot's bytes cut into fixed-size chunks of the tensors' concatenation. A chunk is cut
 * once, on first use, and the same immutable array is sent to every node that needs it.
 */
public final class SnapshotChunks {

    private final List<NamedTensor> tensors;
    private final int chunkSize;
    private final long totalBytes;
    private final byte[][] cut;

    public SnapshotChunks(WeightSnapshot snapshot, int chunkSize) {
        if (chunkSize <= 0) {
            throw new IllegalArgumentException("chunk size must be positive, got " + chunkSize);
        }
        this.tensors = snapshot.tensors();
        this.chunkSize = chunkSize;
        long total = 0;
        for (NamedTensor tensor : tensors) {
            total += tensor.data().length;
        }
        this.totalBytes = total;
        this.cut = new byte[count(total, chunkSize)][];
    }

    /** Chunks needed for {@code totalBytes} (at least one, so an empty snapshot still transfers). */
    public static int count(long totalBytes, int chunkSize) {
        return (int) Math.max(1, (totalBytes + chunkSize - 1) / chunkSize);
    }

    public int chunkCount() {
        return cut.length;
    }

    public int chunkSize() {
        return chunkSize;
    }

    /** Bytes [index·chunkSize, min((index+1)·chunkSize, total)) of the concatenation. */
    public synchronized byte[] chunk(int index) {
        if (cut[index] == null) {
            long start = (long) index * chunkSize;
            int length = (int) Math.min(chunkSize, Math.max(0, totalBytes - start));
            byte[] chunk = new byte[length];
            long tensorStart = 0;
            int written = 0;
            for (NamedTensor tensor : tensors) {
                byte[] data = tensor.data();
                long tensorEnd = tensorStart + data.length;
                if (tensorEnd > start && tensorStart < start + length) {
                    int from = (int) Math.max(0, start - tensorStart);
                    int copy = (int) Math.min(data.length - from, length - written);
                    System.arraycopy(data, from, chunk, written, copy);
                    written += copy;
                }
                tensorStart = tensorEnd;
            }
            cut[index] = chunk;
        }
        return cut[index];
    }
}
