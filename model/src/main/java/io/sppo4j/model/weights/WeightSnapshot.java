package io.sppo4j.model.weights;

import io.sppo4j.model.policy.LanguageModel;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.zip.CRC32C;

/**
 * One version of a policy's weights as host bytes: the unit the learner broadcasts and a
 * checkpoint stores. Tensors are in the model's parameter order and carry a CRC32C checksum so a
 * receiver can prove that what it loads is what was sent.
 *
 * <p>The checksum is CRC32C over, all integers little-endian: the version (8 bytes), the tensor
 * count (4), then per tensor the name's UTF-8 length (4) and bytes, the dtype's safetensors name
 * length (4) and ASCII bytes, the rank (4), each dimension (8), the data length (8) and the data.
 * Lengths make the layout unambiguous, so no two different snapshots share an encoding.
 *
 * <p>The tensors' byte arrays are shared, not copied (weights are large); nothing may change
 * them, and {@link #verify()} catches it when something did.
 */
public final class WeightSnapshot {

    private final long version;
    private final TensorEncoding encoding;
    private final List<NamedTensor> tensors;
    private final int checksum;

    private WeightSnapshot(long version, TensorEncoding encoding, List<NamedTensor> tensors, Integer claimedChecksum) {
        Objects.requireNonNull(encoding, "encoding");
        this.tensors = List.copyOf(tensors);
        this.version = version;
        this.encoding = encoding;
        Set<String> names = new HashSet<>();
        for (NamedTensor tensor : this.tensors) {
            if (!names.add(tensor.name())) {
                throw new IllegalArgumentException("weight snapshot v" + version + ": tensor '" + tensor.name() + "' appears twice");
            }
            if (tensor.dtype() != encoding.dtype()) {
                throw new IllegalArgumentException(
                        "weight snapshot v" + version + ": tensor '" + tensor.name() + "' is " + tensor.dtype()
                                + " in a " + encoding + " snapshot");
            }
        }
        this.checksum = claimedChecksum != null ? claimedChecksum : checksumOf(version, this.tensors);
    }

    /** The model's current weights in {@code encoding}, labelled {@code version}. */
    public static WeightSnapshot export(LanguageModel model, long version, TensorEncoding encoding) {
        List<NamedTensor> f32 = ModelParameters.read(model);
        return of(version, encoding, f32.stream().map(encoding::encode).toList());
    }

    /** A snapshot of tensors already in {@code encoding}'s dtype; computes the checksum. */
    public static WeightSnapshot of(long version, TensorEncoding encoding, List<NamedTensor> tensors) {
        return new WeightSnapshot(version, encoding, tensors, null);
    }

    /**
     * A snapshot as received or read back, with the checksum its sender claimed. Nothing is
     * checked yet: {@link #verify()} (which {@link #importInto} calls first) compares the claim.
     */
    public static WeightSnapshot withClaimedChecksum(
            long version, TensorEncoding encoding, List<NamedTensor> tensors, int claimedChecksum) {
        return new WeightSnapshot(version, encoding, tensors, claimedChecksum);
    }

    /** The same weights in another encoding (BF16 for a broadcast from an FP32 export). */
    public WeightSnapshot encodedAs(TensorEncoding target) {
        verify(); // re-encoding would otherwise launder corrupted data under a fresh checksum
        if (target == encoding) {
            return this;
        }
        return of(version, target, tensors.stream().map(target::encode).toList());
    }

    public long version() {
        return version;
    }

    public TensorEncoding encoding() {
        return encoding;
    }

    /** Tensors in the model's parameter order. */
    public List<NamedTensor> tensors() {
        return tensors;
    }

    /** The checksum computed at export, or claimed by the sender. */
    public int checksum() {
        return checksum;
    }

    /** Bytes of tensor data (what a transfer moves, headers aside). */
    public long byteSize() {
        long bytes = 0;
        for (NamedTensor tensor : tensors) {
            bytes += tensor.data().length;
        }
        return bytes;
    }

    /**
     * Recomputes the checksum over the tensors as they are now.
     *
     * @throws CorruptSnapshotException if it differs from {@link #checksum()}
     */
    public void verify() {
        int actual = checksumOf(version, tensors);
        if (actual != checksum) {
            throw new CorruptSnapshotException(String.format(
                    "weight snapshot v%d (%d tensors, %d bytes): checksum mismatch: expected %08x, computed %08x;"
                            + " the weights were altered or damaged in transit",
                    version, tensors.size(), byteSize(), checksum, actual));
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
        ModelParameters.write(model, tensors, "weight snapshot v" + version);
    }

    /** CRC32C of {@code tensors} labelled {@code version}, laid out as {@link SnapshotChecksum} says. */
    public static int checksumOf(long version, List<NamedTensor> tensors) {
        SnapshotChecksum checksum = new SnapshotChecksum(version, tensors.size());
        for (NamedTensor tensor : tensors) {
            checksum.tensor(tensor.name(), tensor.dtype(), tensor.shape(), tensor.data().length);
            checksum.data(tensor.data(), 0, tensor.data().length);
        }
        return checksum.value();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof WeightSnapshot that
                && version == that.version
                && encoding == that.encoding
                && checksum == that.checksum
                && tensors.equals(that.tensors);
    }

    @Override
    public int hashCode() {
        return Objects.hash(version, encoding, checksum, tensors.size());
    }

    @Override
    public String toString() {
        return String.format("WeightSnapshot[v%d, %s, %d tensors, %d bytes, crc32c %08x]",
                version, encoding, tensors.size(), byteSize(), checksum);
    }
}
