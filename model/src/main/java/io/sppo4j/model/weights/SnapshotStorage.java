package io.sppo4j.model.weights;

import ai.djl.ndarray.NDManager;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes of one weight version in native memory, outside the Java heap: arrays owned by one
 * manager. Shared by every {@link WeightSnapshot} handle of the version and freed when the last
 * one is closed, so a version lives exactly as long as someone still has to load or serve it.
 */
final class SnapshotStorage {

    /** Native bytes held by all open storages: what the weight versions of this process cost. */
    private static final AtomicLong NATIVE_BYTES = new AtomicLong();

    private final List<NamedTensor> tensors;
    private final NDManager memory;
    private final long nativeBytes;
    private final AtomicInteger references = new AtomicInteger(1);

    /**
     * @param tensors views of the memory, in snapshot order
     * @param memory owner of the native arrays the views show; closed with the last reference
     */
    SnapshotStorage(List<NamedTensor> tensors, NDManager memory) {
        this.tensors = List.copyOf(tensors);
        this.memory = memory;
        long bytes = 0;
        for (NamedTensor tensor : this.tensors) {
            bytes += tensor.byteSize();
        }
        this.nativeBytes = bytes;
        NATIVE_BYTES.addAndGet(bytes);
    }

    static long nativeBytesHeld() {
        return NATIVE_BYTES.get();
    }

    List<NamedTensor> tensors() {
        return tensors;
    }

    /** One more reference, unless the storage is already freed (then false). */
    boolean tryRetain() {
        while (true) {
            int current = references.get();
            if (current == 0) {
                return false;
            }
            if (references.compareAndSet(current, current + 1)) {
                return true;
            }
        }
    }

    void release() {
        int left = references.decrementAndGet();
        if (left == 0) {
            memory.close();
            NATIVE_BYTES.addAndGet(-nativeBytes);
        } else if (left < 0) {
            throw new IllegalStateException("weight snapshot storage released more often than retained");
        }
    }
}
