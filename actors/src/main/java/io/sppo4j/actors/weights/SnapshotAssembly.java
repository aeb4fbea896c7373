package io.sppo4j.actors.weights;

import io.sppo4j.actors.data.SnapshotHeader;
import io.sppo4j.actors.data.TensorHeader;
import io.sppo4j.model.weights.CorruptSnapshotException;
import io.sppo4j.model.weights.NamedTensor;
import io.sppo4j.model.weights.SnapshotChecksum;
import io.sppo4j.model.weights.WeightSnapshot;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * A snapshot being received: bytes arrive in order and go straight into per-tensor arrays, and
 * into the checksum as they come (no second pass over the bytes); an interrupted transfer
 * resumes at {@link #bytesReceived()}. Once complete, the checksum decides whether the result is used.
 */
public final class SnapshotAssembly {

    private final SnapshotHeader header;
    private final byte[][] data;
    private final long total;
    private final SnapshotChecksum checksum;
    private int checksummedHeaders;
    private volatile long received;

    public SnapshotAssembly(SnapshotHeader header) {
        this.header = header;
        List<TensorHeader> tensors = header.tensors();
        this.data = new byte[tensors.size()][];
        long sum = 0;
        for (int i = 0; i < tensors.size(); i++) {
            data[i] = new byte[Math.toIntExact(tensors.get(i).byteSize())];
            sum += data[i].length;
        }
        this.total = sum;
        this.checksum = new SnapshotChecksum(header.version(), tensors.size());
    }

    public long version() {
        return header.version();
    }

    public long totalBytes() {
        return total;
    }

    /** Bytes received so far: where a resumed transfer starts. */
    public long bytesReceived() {
        return received;
    }

    public boolean complete() {
        return received == total;
    }

    /** Reads the remaining bytes from {@code in}, in order, into their tensors. */
    void readFrom(InputStream in) throws IOException {
        long position = 0;
        for (int i = 0; i < data.length; i++) {
            byte[] tensor = data[i];
            long end = position + tensor.length;
            if (end > received || (tensor.length == 0 && checksummedHeaders == i)) {
                if (checksummedHeaders == i) {
                    TensorHeader described = header.tensors().get(i);
                    checksum.tensor(described.name(), described.dtype(), described.shape(), tensor.length);
                    checksummedHeaders++;
                }
                int from = (int) (received - position);
                for (int at = from; at < tensor.length; ) {
                    int length = Math.min(1 << 20, tensor.length - at);
                    WeightTransport.readFully(in, tensor, at, length);
                    checksum.data(tensor, at, length);
                    at += length;
                    received += length;
                }
            }
            position = end;
        }
    }

    /** The received snapshot, its checksum verified (a mismatch throws: the bytes are not used). */
    public WeightSnapshot snapshot() {
        if (!complete() || checksummedHeaders != data.length) {
            throw new IllegalStateException("weights v" + header.version() + " are incomplete: " + received + " of "
                    + total + " bytes");
        }
        if (checksum.value() != header.checksum()) {
            throw new CorruptSnapshotException("weights v" + header.version() + ": checksum of the received bytes "
                    + Integer.toHexString(checksum.value()) + " differs from the offered " + Integer.toHexString(header.checksum()));
        }
        List<NamedTensor> tensors = new ArrayList<>(data.length);
        for (int i = 0; i < data.length; i++) {
            TensorHeader tensor = header.tensors().get(i);
            tensors.add(new NamedTensor(tensor.name(), tensor.dtype(), tensor.shape(), data[i]));
        }
        return WeightSnapshot.withClaimedChecksum(header.version(), header.encoding(), tensors, header.checksum());
    }
}
