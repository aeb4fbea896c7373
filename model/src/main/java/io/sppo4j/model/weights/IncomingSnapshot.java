package io.sppo4j.model.weights;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A weight version being filled in place, tensor by tensor, from a connection or a file: the
 * native arrays are allocated up front and written through {@link #buffer}, so the bytes never
 * pass through the Java heap in more than the caller's chunk. {@link #complete()} checks the
 * checksum before anyone can use the result; until then, or if it fails, {@link #close()} frees it.
 */
public final class IncomingSnapshot implements AutoCloseable {

    private final long version;
    private final TensorEncoding encoding;
    private final int claimedChecksum;
    private final NDManager memory;
    private final List<NamedTensor> tensors = new ArrayList<>();
    private final List<ByteBuffer> buffers = new ArrayList<>();
    private boolean taken;

    /**
     * @throws IllegalArgumentException if a name repeats or a tensor is not in the encoding's dtype
     */
    public IncomingSnapshot(long version, TensorEncoding encoding, List<TensorSpec> specs, int claimedChecksum) {
        WeightSnapshot.checkLayout(version, encoding, specs);
        this.version = version;
        this.encoding = encoding;
        this.claimedChecksum = claimedChecksum;
        this.memory = Engine.getInstance().newBaseManager(Device.cpu());
        try {
            for (TensorSpec spec : specs) {
                NDArray array = NativeTensors.allocate(spec, memory);
                ByteBuffer buffer = NativeTensors.view(array);
                buffers.add(buffer);
                tensors.add(new NamedTensor(spec, buffer));
            }
        } catch (RuntimeException | Error e) {
            memory.close();
            throw e;
        }
    }

    public long version() {
        return version;
    }

    public int tensorCount() {
        return buffers.size();
    }

    /** Where tensor {@code index}'s bytes go: a writable view from position 0 (a fresh duplicate each call). */
    public ByteBuffer buffer(int index) {
        if (taken) {
            throw new IllegalStateException("weights v" + version + " were already handed over");
        }
        return buffers.get(index).duplicate();
    }

    /**
     * The received version, once its checksum matches the claimed one; ownership of the memory
     * passes to the returned handle.
     *
     * @throws CorruptSnapshotException naming both checksums, after freeing the memory
     */
    public WeightSnapshot complete() {
        WeightSnapshot snapshot = take(claimedChecksum);
        try {
            snapshot.verify();
            return snapshot;
        } catch (RuntimeException e) {
            snapshot.close();
            throw e;
        }
    }

    /** Hands the memory to a snapshot holding {@code checksum}, or its own when null; nothing verified. */
    WeightSnapshot take(Integer checksum) {
        if (taken) {
            throw new IllegalStateException("weights v" + version + " were already handed over");
        }
        taken = true;
        return WeightSnapshot.create(version, encoding, tensors, memory, checksum);
    }

    /** Frees the memory unless it was handed over. */
    @Override
    public void close() {
        if (!taken) {
            taken = true;
            memory.close();
        }
    }
}
