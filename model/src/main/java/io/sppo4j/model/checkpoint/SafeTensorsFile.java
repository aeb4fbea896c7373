package io.sppo4j.model.checkpoint;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.sppo4j.model.weights.NamedTensor;
import io.sppo4j.model.weights.NativeTensors;
import io.sppo4j.model.weights.TensorSource;
import io.sppo4j.model.weights.TensorSpec;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A safetensors file whose header has been read and validated, and whose tensors are read only
 * when asked for, one at a time: mapped read-only ({@link #mapped()}) or copied into native memory
 * ({@link #source()}). Neither puts tensor data on the Java heap.
 */
public final class SafeTensorsFile {

    private static final int LENGTH_BYTES = 8;

    private final Path file;
    private final SafeTensorsHeader header;
    private final long dataStart;

    private SafeTensorsFile(Path file, SafeTensorsHeader header, long dataStart) {
        this.file = file;
        this.header = header;
        this.dataStart = dataStart;
    }

    /**
     * Reads and validates the header: its length lies within the file, it is valid JSON whose
     * offsets match each dtype × shape and tile the data section without overlap or gap, and the
     * file is exactly as long as the header says.
     *
     * @throws CorruptCheckpointException naming the file and the problem
     */
    public static SafeTensorsFile open(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long fileBytes = channel.size();
            if (fileBytes < LENGTH_BYTES) {
                throw new CorruptCheckpointException(
                        file, "truncated: the file has " + fileBytes + " bytes, fewer than the 8-byte header length");
            }
            ByteBuffer length = ByteBuffer.allocate(LENGTH_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            readFully(channel, length, 0, file);
            long headerBytes = length.getLong(0);
            if (headerBytes < 0 || headerBytes > SafeTensorsHeader.MAX_HEADER_BYTES) {
                throw new CorruptCheckpointException(file, "header length " + Long.toUnsignedString(headerBytes)
                        + " exceeds the limit of " + SafeTensorsHeader.MAX_HEADER_BYTES + " bytes; not a safetensors file?");
            }
            long dataStart = LENGTH_BYTES + headerBytes;
            if (dataStart > fileBytes) {
                throw new CorruptCheckpointException(file, "truncated: header length says the header ends at byte "
                        + dataStart + " but the file has " + fileBytes + " bytes");
            }
            ByteBuffer headerBuffer = ByteBuffer.allocate((int) headerBytes);
            readFully(channel, headerBuffer, LENGTH_BYTES, file);
            SafeTensorsHeader header = SafeTensorsHeader.parse(headerBuffer.array(), file);
            long dataEnd = dataStart + header.dataBytes();
            if (dataEnd > fileBytes) {
                throw new CorruptCheckpointException(file, "truncated: header says data ends at byte " + dataEnd
                        + " but the file has " + fileBytes + " bytes");
            }
            if (dataEnd < fileBytes) {
                throw new CorruptCheckpointException(file, (fileBytes - dataEnd)
                        + " bytes follow the last tensor's data (header says data ends at byte " + dataEnd + ")");
            }
            for (SafeTensorsHeader.Entry entry : header.entries()) {
                if (entry.end() - entry.begin() > Integer.MAX_VALUE) {
                    // One mapping or buffer holds at most 2 GiB; larger files are fine, larger tensors are not.
                    throw new IOException(file + ": tensor '" + entry.name() + "' has " + (entry.end() - entry.begin())
                            + " bytes; tensors over 2 GiB are not supported");
                }
            }
            return new SafeTensorsFile(file, header, dataStart);
        } catch (NoSuchFileException e) {
            throw new CorruptCheckpointException(file, "missing", e);
        }
    }

    public Path file() {
        return file;
    }

    /** The {@code __metadata__} strings, empty when the file has none. */
    public Map<String, String> metadata() {
        return header.metadata();
    }

    /** The tensors' names, dtypes and shapes, in the order of their data. */
    public List<TensorSpec> specs() {
        return header.entries().stream().map(SafeTensorsHeader.Entry::spec).toList();
    }

    /**
     * Every tensor as a read-only mapping of its bytes, in data order. Pages are read from disk
     * when touched and belong to the page cache, not to the heap; a mapping stays valid after the
     * file is deleted and is released once no view of it is reachable. Each tensor is mapped on
     * its own, so a file may exceed the 2 GiB one mapping can hold. The file must not shrink
     * while mapped (a read past its new end faults): files here are replaced by rename, never
     * rewritten in place.
     */
    public List<NamedTensor> mapped() throws IOException {
        List<NamedTensor> tensors = new ArrayList<>(header.entries().size());
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            for (SafeTensorsHeader.Entry entry : header.entries()) {
                ByteBuffer bytes = channel.map(FileChannel.MapMode.READ_ONLY, dataStart + entry.begin(),
                        entry.end() - entry.begin());
                tensors.add(new NamedTensor(entry.spec(), bytes));
            }
        }
        return tensors;
    }

    /**
     * The tensors as a source that reads each one, when visited, into native memory of its own
     * (freed after the visit): a pass over the file holds one tensor at a time, and leaves no
     * mapped pages behind. Each pass opens the file anew.
     */
    public TensorSource source() {
        return new TensorSource() {
            @Override
            public List<TensorSpec> specs() {
                return SafeTensorsFile.this.specs();
            }

            @Override
            public void forEach(Visitor visitor) throws IOException {
                try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
                        NDManager memory = Engine.getInstance().newBaseManager(Device.cpu())) {
                    for (SafeTensorsHeader.Entry entry : header.entries()) {
                        try (NDManager scope = memory.newSubManager()) {
                            NDArray staging = NativeTensors.allocate(entry.spec(), scope);
                            ByteBuffer bytes = NativeTensors.view(staging);
                            readFully(channel, bytes, dataStart + entry.begin(), file);
                            visitor.visit(new NamedTensor(entry.spec(), bytes.flip()));
                        }
                    }
                }
            }
        };
    }

    /** Fills {@code buffer}'s remaining bytes from {@code position} on. */
    static void readFully(FileChannel channel, ByteBuffer buffer, long position, Path file) throws IOException {
        long start = position - buffer.position();
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, start + buffer.position()) < 0) {
                // Sizes were checked against channel.size(): the file shrank while being read.
                throw new CorruptCheckpointException(file, "truncated while reading at byte "
                        + (start + buffer.position()), new EOFException());
            }
        }
    }
}
