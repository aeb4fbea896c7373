package io.sppo4j.actors.weights;

import io.sppo4j.actors.data.SnapshotHeader;
import io.sppo4j.actors.data.TensorHeader;
import io.sppo4j.model.weights.NamedTensor;
import io.sppo4j.model.weights.WeightSnapshot;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * A snapshot being received: chunks are copied straight into per-tensor arrays as they come, in
 * any order; once all have arrived the checksum decides whether the result is used.
 */
public final class SnapshotAssembly {

    private final SnapshotHeader header;
    private final int chunkSize;
    private final int chunkCount;
    private final byte[][] data;
    private final long[] offsets;
    private final BitSet received = new BitSet();

    public SnapshotAssembly(SnapshotHeader header, int chunkSize) {
        this.header = header;
        this.chunkSize = chunkSize;
        this.chunkCount = SnapshotChunks.count(header.totalBytes(), chunkSize);
        List<TensorHeader> tensors = header.tensors();
        this.data = new byte[tensors.size()][];
        this.offsets = new long[tensors.size()];
        long offset = 0;
        for (int i = 0; i < tensors.size(); i++) {
            data[i] = new byte[Math.toIntExact(tensors.get(i).byteSize())];
            offsets[i] = offset;
            offset += data[i].length;
        }
    }

    public long version() {
        return header.version();
    }

    /** The first chunk not yet received (where a resumed transfer starts). */
    public int firstMissing() {
        return received.nextClearBit(0);
    }

    public boolean complete() {
        return received.cardinality() == chunkCount;
    }

    /** Copies chunk {@code index} into place; a chunk of the wrong size is refused. */
    public void accept(int index, byte[] chunk) {
        if (index < 0 || index >= chunkCount) {
            throw new IllegalArgumentException("chunk " + index + " of v" + header.version() + " is outside 0.." + (chunkCount - 1));
        }
        long start = (long) index * chunkSize;
        long expected = Math.min(chunkSize, header.totalBytes() - start);
        if (chunk.length != Math.max(0, expected)) {
            throw new IllegalArgumentException(
                    "chunk " + index + " of v" + header.version() + " has " + chunk.length + " bytes, expected " + expected);
        }
        int read = 0;
        for (int i = 0; i < data.length && read < chunk.length; i++) {
            long tensorStart = offsets[i];
            long tensorEnd = tensorStart + data[i].length;
            long position = start + read;
            if (position >= tensorStart && position < tensorEnd) {
                int from = (int) (position - tensorStart);
                int copy = (int) Math.min(data[i].length - from, chunk.length - read);
                System.arraycopy(chunk, read, data[i], from, copy);
                read += copy;
            }
        }
        received.set(index);
    }

    /** The received snapshot, its checksum verified (a mismatch throws: the bytes are not used). */
    public WeightSnapshot snapshot() {
        List<NamedTensor> tensors = new ArrayList<>(data.length);
        for (int i = 0; i < data.length; i++) {
            TensorHeader tensor = header.tensors().get(i);
            tensors.add(new NamedTensor(tensor.name(), tensor.dtype(), tensor.shape(), data[i]));
        }
        WeightSnapshot snapshot =
                WeightSnapshot.withClaimedChecksum(header.version(), header.encoding(), tensors, header.checksum());
        snapshot.verify();
        return snapshot;
    }
}
