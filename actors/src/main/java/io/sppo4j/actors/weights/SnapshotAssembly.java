package io.sppo4j.actors.weights;

import io.sppo4j.actors.data.SnapshotHeader;
import io.sppo4j.model.weights.IncomingSnapshot;
import io.sppo4j.model.weights.TensorSpec;
import io.sppo4j.model.weights.WeightSnapshot;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * A snapshot being received: bytes arrive in order and go, a bounded chunk at a time, straight
 * into the version's native memory (allocated from the header up front, never on the Java heap);
 * an interrupted transfer resumes at {@link #bytesReceived()}. Once complete, the checksum
 * decides whether the result is used.
 *
 * <p>Closed by its owner (the weight cache) when a newer version replaces it or the node stops.
 * A fetch may still be writing on its own thread then: the memory is freed when both have let go.
 */
public final class SnapshotAssembly implements AutoCloseable {

    /** Bytes moved from the connection to native memory per read: the heap this costs, whatever the model. */
    static final int CHUNK = 1 << 20;

    private final SnapshotHeader header;
    private final IncomingSnapshot incoming;
    private final long[] ends;
    private volatile long received;
    private int readers;
    private boolean closed;
    private boolean released;

    /** @throws IllegalArgumentException if the header names a tensor twice or mixes dtypes with its encoding */
    public SnapshotAssembly(SnapshotHeader header) {
        this.header = header;
        List<TensorSpec> tensors = header.tensors();
        this.incoming = new IncomingSnapshot(header.version(), header.encoding(), tensors, header.checksum());
        this.ends = new long[tensors.size()];
        long sum = 0;
        for (int i = 0; i < tensors.size(); i++) {
            sum += tensors.get(i).byteSize();
            ends[i] = sum;
        }
    }

    public long version() {
        return header.version();
    }

    public long totalBytes() {
        return ends.length == 0 ? 0 : ends[ends.length - 1];
    }

    /** Bytes received so far: where a resumed transfer starts. */
    public long bytesReceived() {
        return received;
    }

    public boolean complete() {
        return received == totalBytes();
    }

    /** Reads the remaining bytes from {@code in}, in order, into their tensors. */
    void readFrom(InputStream in) throws IOException {
        synchronized (this) {
            if (closed) {
                throw new IOException("weights v" + header.version() + " are no longer wanted");
            }
            readers++;
        }
        try {
            byte[] chunk = new byte[CHUNK];
            long start = 0;
            for (int i = 0; i < ends.length; i++) {
                if (ends[i] > received) {
                    ByteBuffer target = incoming.buffer(i);
                    target.position((int) (received - start));
                    while (target.hasRemaining()) {
                        int read = in.read(chunk, 0, Math.min(chunk.length, target.remaining()));
                        if (read < 0) {
                            throw new EOFException("connection closed " + (totalBytes() - received) + " bytes early");
                        }
                        target.put(chunk, 0, read);
                        received += read;
                    }
                }
                start = ends[i];
            }
        } finally {
            synchronized (this) {
                readers--;
                releaseIfClosed();
            }
        }
    }

    /**
     * The received snapshot, its checksum verified; the caller owns (and closes) it.
     *
     * @throws io.sppo4j.model.weights.CorruptSnapshotException naming both checksums if the bytes
     *     do not match the offer: they are freed, never used
     */
    public synchronized WeightSnapshot snapshot() {
        if (!complete() || readers > 0 || closed) {
            throw new IllegalStateException("weights v" + header.version() + " are incomplete: " + received + " of "
                    + totalBytes() + " bytes" + (closed ? ", and no longer wanted" : ""));
        }
        closed = true;
        released = true; // handed over, or freed by complete() when the checksum fails
        return incoming.complete();
    }

    /** Gives the memory up, now or when a fetch still writing into it stops. */
    @Override
    public synchronized void close() {
        closed = true;
        releaseIfClosed();
    }

    private void releaseIfClosed() {
        if (closed && readers == 0 && !released) {
            released = true;
            incoming.close();
        }
    }
}
