package io.sppo4j.model.weights;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import io.sppo4j.model.nd.Autograd;
import io.sppo4j.model.policy.LanguageModel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ref.Cleaner;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One version of a policy's weights, frozen: the unit the learner broadcasts. Tensors are in the
 * model's parameter order and carry a CRC32C checksum (see {@link SnapshotChecksum}) so a
 * receiver can prove that what it loads is what was sent.
 *
 * <p>The bytes live in native memory, never on the Java heap, and are shared by every handle of
 * the version: {@link #retain()} gives another handle (to a subscriber, to a transfer in progress),
 * {@link #close()} gives one up, and the memory is freed when the last handle is closed. A
 * handle that is dropped without being closed is closed by the garbage collector, later; code
 * that holds versions of real models closes its handles, so memory follows the versions in use.
 */
public final class WeightSnapshot implements TensorSource, AutoCloseable {

    private static final Cleaner CLEANER = Cleaner.create();

    private final long version;
    private final TensorEncoding encoding;
    private final int checksum;
    private final SnapshotStorage storage;
    private final Release release;
    private final Cleaner.Cleanable cleanable;

    private WeightSnapshot(long version, TensorEncoding encoding, SnapshotStorage storage, int checksum) {
        this.version = version;
        this.encoding = encoding;
        this.storage = storage;
        this.checksum = checksum;
        this.release = new Release(storage);
        this.cleanable = CLEANER.register(this, release);
    }

    /** The model's current weights in {@code encoding}, labelled {@code version}: copied (and converted) tensor by tensor into native memory. */
    public static WeightSnapshot export(LanguageModel model, long version, TensorEncoding encoding) {
        NDManager memory = model.manager().getEngine().newBaseManager(Device.cpu());
        try (Autograd.Scope paused = Autograd.paused()) { // a copy must not join the autograd graph
            List<NamedTensor> tensors = new ArrayList<>();
            for (Map.Entry<String, Parameter> entry : model.namedParameters().entrySet()) {
                NDArray parameter = entry.getValue().getArray();
                NDArray copy = NativeTensors.hostCopy(parameter, encoding.dtype(), memory);
                TensorSpec spec = new TensorSpec(entry.getKey(), encoding.dtype(), parameter.getShape().getShape());
                tensors.add(new NamedTensor(spec, NativeTensors.view(copy)));
            }
            return create(version, encoding, tensors, memory, null);
        } catch (RuntimeException | Error e) {
            memory.close();
            throw e;
        }
    }

    /** A snapshot of tensors already in {@code encoding}'s dtype, copied into native memory; computes the checksum. */
    public static WeightSnapshot of(long version, TensorEncoding encoding, List<NamedTensor> tensors) {
        return copyOf(version, encoding, TensorSource.of(tensors), null);
    }

    /**
     * A snapshot as received or read back, with the checksum its sender claimed. Nothing is
     * checked yet: {@link #verify()} (which {@link #importInto} calls first) compares the claim.
     */
    public static WeightSnapshot withClaimedChecksum(
            long version, TensorEncoding encoding, List<NamedTensor> tensors, int claimedChecksum) {
        return copyOf(version, encoding, TensorSource.of(tensors), claimedChecksum);
    }

    /**
     * {@code source}'s tensors copied into native memory one at a time (a checkpoint file, say).
     *
     * @param claimedChecksum the checksum to hold, or null to compute it from the copy
     */
    public static WeightSnapshot copyOf(long version, TensorEncoding encoding, TensorSource source, Integer claimedChecksum) {
        IncomingSnapshot incoming = new IncomingSnapshot(version, encoding, source.specs(), 0);
        try {
            int[] index = {0};
            source.forEach(tensor -> incoming.buffer(index[0]++).put(tensor.bytes()));
            return incoming.take(claimedChecksum);
        } catch (IOException e) {
            incoming.close();
            throw new UncheckedIOException("reading weights v" + version + ": " + e.getMessage(), e);
        } catch (RuntimeException | Error e) {
            incoming.close();
            throw e;
        }
    }

    /** A snapshot owning {@code memory}, whose arrays {@code tensors} show. */
    static WeightSnapshot create(
            long version, TensorEncoding encoding, List<NamedTensor> tensors, NDManager memory, Integer claimedChecksum) {
        checkLayout(version, encoding, tensors.stream().map(NamedTensor::spec).toList());
        int checksum = claimedChecksum != null ? claimedChecksum : checksumOf(version, tensors);
        return new WeightSnapshot(version, encoding, new SnapshotStorage(tensors, memory), checksum);
    }

    /** Every name once, every tensor in the encoding's dtype. */
    static void checkLayout(long version, TensorEncoding encoding, List<TensorSpec> specs) {
        Objects.requireNonNull(encoding, "encoding");
        Set<String> names = new HashSet<>();
        for (TensorSpec spec : specs) {
            if (!names.add(spec.name())) {
                throw new IllegalArgumentException("weight snapshot v" + version + ": tensor '" + spec.name() + "' appears twice");
            }
            if (spec.dtype() != encoding.dtype()) {
                throw new IllegalArgumentException("weight snapshot v" + version + ": tensor '" + spec.name() + "' is "
                        + spec.dtype() + " in a " + encoding + " snapshot");
            }
        }
    }

    /** The same weights in another encoding (BF16 for a broadcast from an FP32 export), tensor by tensor in native memory. */
    public WeightSnapshot encodedAs(TensorEncoding target) {
        verify(); // re-encoding would otherwise launder corrupted data under a fresh checksum
        if (target == encoding) {
            return retain();
        }
        NDManager memory = Engine.getInstance().newBaseManager(Device.cpu());
        try (NDManager scope = memory.newSubManager()) {
            List<NamedTensor> converted = new ArrayList<>();
            for (NamedTensor tensor : tensors()) {
                NDArray copy = NativeTensors.hostCopy(NativeTensors.toFloat32(tensor, scope), target.dtype(), memory);
                converted.add(new NamedTensor(new TensorSpec(tensor.name(), target.dtype(), tensor.shape()),
                        NativeTensors.view(copy)));
            }
            return create(version, target, converted, memory, null);
        } catch (RuntimeException | Error e) {
            memory.close();
            throw e;
        }
    }

    public long version() {
        return version;
    }

    public TensorEncoding encoding() {
        return encoding;
    }

    /** The checksum computed at export, or claimed by the sender. */
    public int checksum() {
        return checksum;
    }

    /** Tensors in the model's parameter order, as views of the native memory: valid while this handle is open. */
    public List<NamedTensor> tensors() {
        ensureOpen();
        return storage.tensors();
    }

    @Override
    public List<TensorSpec> specs() {
        return tensors().stream().map(NamedTensor::spec).toList();
    }

    @Override
    public void forEach(Visitor visitor) throws IOException {
        for (NamedTensor tensor : tensors()) {
            visitor.visit(tensor);
        }
    }

    /**
     * Another handle on the same version, to be closed by whoever takes it.
     *
     * @throws IllegalStateException if this handle is closed
     */
    public WeightSnapshot retain() {
        WeightSnapshot handle = tryRetain();
        if (handle == null) {
            throw new IllegalStateException("weight snapshot v" + version + " is closed");
        }
        return handle;
    }

    /** Another handle, or null if this one is closed (another thread may close it at any time). */
    public WeightSnapshot tryRetain() {
        if (release.done.get() || !storage.tryRetain()) {
            return null;
        }
        return new WeightSnapshot(version, encoding, storage, checksum);
    }

    public boolean isOpen() {
        return !release.done.get();
    }

    /** Gives this handle up; the version's memory is freed with its last handle. Idempotent. */
    @Override
    public void close() {
        cleanable.clean();
    }

    /** Native bytes held by the weight versions of this process (every snapshot not yet freed). */
    public static long nativeBytesHeld() {
        return SnapshotStorage.nativeBytesHeld();
    }

    /**
     * Recomputes the checksum over the tensors as they are now.
     *
     * @throws CorruptSnapshotException if it differs from {@link #checksum()}
     */
    public void verify() {
        int actual = checksumOf(version, tensors());
        if (actual != checksum) {
            throw new CorruptSnapshotException(String.format(
                    "weight snapshot v%d (%d tensors, %d bytes): checksum mismatch: expected %08x, computed %08x;"
                            + " the weights were altered or damaged in transit",
                    version, tensors().size(), byteSize(), checksum, actual));
        }
    }

    /**
     * Overwrites {@code model}'s parameters in place with these weights (BF16 widened to F32).
     * Checks the checksum, then that names, order, count and shapes match the model exactly,
     * before writing anything: a refused snapshot leaves the model untouched.
     *
     * @throws CorruptSnapshotException if the checksum does not match
     * @throws IllegalArgumentException naming the offending tensor if the snapshot does not fit
     */
    public void importInto(LanguageModel model) {
        verify();
        try {
            ModelParameters.write(model, this, "weight snapshot v" + version);
        } catch (IOException e) {
            throw new UncheckedIOException("weights in memory cannot fail to read", e);
        }
    }

    /** CRC32C of {@code tensors} labelled {@code version}, laid out as {@link SnapshotChecksum} says. */
    public static int checksumOf(long version, List<NamedTensor> tensors) {
        SnapshotChecksum checksum = new SnapshotChecksum(version, tensors.size());
        for (NamedTensor tensor : tensors) {
            checksum.tensor(tensor.spec());
            checksum.data(tensor.bytes());
        }
        return checksum.value();
    }

    private void ensureOpen() {
        if (release.done.get()) {
            throw new IllegalStateException("weight snapshot v" + version + " is closed");
        }
    }

    /** Same version, encoding, checksum and bytes; a closed handle equals only itself. */
    @Override
    public boolean equals(Object other) {
        if (this == other) {
            return true;
        }
        return other instanceof WeightSnapshot that
                && isOpen() && that.isOpen()
                && version == that.version
                && encoding == that.encoding
                && checksum == that.checksum
                && tensors().equals(that.tensors());
    }

    @Override
    public int hashCode() {
        return Objects.hash(version, encoding, checksum);
    }

    @Override
    public String toString() {
        return String.format("WeightSnapshot[v%d, %s, %d bytes, crc32c %08x%s]",
                version, encoding, storage.tensors().stream().mapToLong(NamedTensor::byteSize).sum(), checksum,
                isOpen() ? "" : ", closed");
    }

    /** Gives up one handle's reference, once: on close, or when the collector finds the handle dropped. */
    private static final class Release implements Runnable {
        private final SnapshotStorage storage;
        private final AtomicBoolean done = new AtomicBoolean();

        Release(SnapshotStorage storage) {
            this.storage = storage;
        }

        @Override
        public void run() {
            if (done.compareAndSet(false, true)) {
                storage.release();
            }
        }
    }
}
