package io.sppo4j.model.weights;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * The CRC32C of a weight snapshot, fed in order as its parts become available, so a receiver
 * checks bytes as they arrive instead of reading hundreds of megabytes twice. The layout (all
 * integers little-endian): version (8), tensor count (4), then per tensor the name's UTF-8
 * length (4) and bytes, the dtype's safetensors name length (4) and ASCII bytes, the rank (4),
 * each dimension (8), the data length (8) and the data. Lengths make it unambiguous.
 */
public final class SnapshotChecksum {

    private final CRC32C crc = new CRC32C();
    private final ByteBuffer scratch = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);

    public SnapshotChecksum(long version, int tensorCount) {
        updateLong(version);
        updateInt(tensorCount);
    }

    /** Everything about a tensor that precedes its data. */
    public void tensor(String name, TensorDType dtype, long[] shape, long dataLength) {
        updateBytes(name.getBytes(StandardCharsets.UTF_8));
        updateBytes(dtype.safetensorsName().getBytes(StandardCharsets.US_ASCII));
        updateInt(shape.length);
        for (long dim : shape) {
            updateLong(dim);
        }
        updateLong(dataLength);
    }

    /** Everything about a tensor that precedes its data. */
    public void tensor(TensorSpec spec) {
        tensor(spec.name(), spec.dtype(), spec.shape(), spec.byteSize());
    }

    /** The next bytes of the current tensor's data. */
    public void data(byte[] bytes, int offset, int length) {
        crc.update(bytes, offset, length);
    }

    /** The next bytes of the current tensor's data: {@code bytes}' remaining ones, read in place (native memory is not copied). */
    public void data(ByteBuffer bytes) {
        crc.update(bytes.duplicate());
    }

    public int value() {
        return (int) crc.getValue();
    }

    private void updateBytes(byte[] bytes) {
        updateInt(bytes.length);
        crc.update(bytes);
    }

    private void updateInt(int value) {
        crc.update(scratch.clear().putInt(value).flip());
    }

    private void updateLong(long value) {
        crc.update(scratch.clear().putLong(value).flip());
    }
}
