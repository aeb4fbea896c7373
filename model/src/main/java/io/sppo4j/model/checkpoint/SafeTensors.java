package io.sppo4j.model.checkpoint;

import io.sppo4j.model.weights.NamedTensor;

import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The safetensors format (Hugging Face), read and written exactly: an 8-byte little-endian
 * unsigned header length N, N bytes of UTF-8 JSON padded with spaces to a multiple of 8
 * ({@code {"__metadata__": {"k": "v"}, "<name>": {"dtype": "F32", "shape": [..],
 * "data_offsets": [begin, end]}, ...}}), then the tensors' little-endian bytes back to back,
 * offsets counted from the end of the header. Files written here load in PyTorch with
 * {@code safetensors.torch.load_file}, and theirs load here (for F32, BF16, F16 and I64).
 */
public final class SafeTensors {

    private static final int LENGTH_BYTES = 8;

    private SafeTensors() {}

    /**
     * A file's tensors, in the order of their data, and its metadata.
     *
     * @param tensors in data order (the order they were written in)
     * @param metadata the {@code __metadata__} strings, empty when the file has none
     */
    public record Contents(List<NamedTensor> tensors, Map<String, String> metadata) {
        public Contents {
            tensors = List.copyOf(tensors);
            metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        }
    }

    /**
     * Writes {@code tensors} contiguously in list order. Does not close or sync {@code out}.
     *
     * @throws IllegalArgumentException before writing anything if a name repeats or is
     *     {@code __metadata__}
     */
    public static void write(OutputStream out, List<NamedTensor> tensors, Map<String, String> metadata) throws IOException {
        byte[] header = SafeTensorsHeader.encode(tensors, metadata);
        out.write(ByteBuffer.allocate(LENGTH_BYTES).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).array());
        out.write(header);
        for (NamedTensor tensor : tensors) {
            out.write(tensor.data());
        }
    }

    /** Writes a new file (replacing any), without syncing it: see {@link CheckpointStore} for durability. */
    public static void write(Path file, List<NamedTensor> tensors, Map<String, String> metadata) throws IOException {
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
            write(out, tensors, metadata);
        }
    }

    /**
     * Reads and validates a whole file: the header length lies within the file, the header is
     * valid JSON whose offsets match each dtype × shape and tile the data section without
     * overlap or gap, and the file is exactly as long as the header says.
     *
     * @throws CorruptCheckpointException naming the file and the problem
     */
    public static Contents read(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            return read(channel, file);
        } catch (NoSuchFileException e) {
            throw new CorruptCheckpointException(file, "missing", e);
        }
    }

    private static Contents read(FileChannel channel, Path file) throws IOException {
        long fileBytes = channel.size();
        if (fileBytes < LENGTH_BYTES) {
            throw new CorruptCheckpointException(
                    file, "truncated: the file has " + fileBytes + " bytes, fewer than the 8-byte header length");
        }
        long headerBytes = readFully(channel, 0, LENGTH_BYTES, file).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (headerBytes < 0 || headerBytes > SafeTensorsHeader.MAX_HEADER_BYTES) {
            throw new CorruptCheckpointException(file, "header length " + Long.toUnsignedString(headerBytes)
                    + " exceeds the limit of " + SafeTensorsHeader.MAX_HEADER_BYTES + " bytes; not a safetensors file?");
        }
        long dataStart = LENGTH_BYTES + headerBytes;
        if (dataStart > fileBytes) {
            throw new CorruptCheckpointException(file, "truncated: header length says the header ends at byte "
                    + dataStart + " but the file has " + fileBytes + " bytes");
        }
        ByteBuffer headerBuffer = readFully(channel, LENGTH_BYTES, (int) headerBytes, file);
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
        List<NamedTensor> tensors = new ArrayList<>(header.entries().size());
        for (SafeTensorsHeader.Entry entry : header.entries()) {
            long length = entry.end() - entry.begin();
            if (length > Integer.MAX_VALUE - 8) {
                throw new CorruptCheckpointException(
                        file, "tensor '" + entry.name() + "' has " + length + " bytes, more than one Java array holds");
            }
            byte[] data = readFully(channel, dataStart + entry.begin(), (int) length, file).array();
            tensors.add(new NamedTensor(entry.name(), entry.dtype(), entry.shape(), data));
        }
        return new Contents(tensors, header.metadata());
    }

    private static ByteBuffer readFully(FileChannel channel, long position, int length, Path file) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, position + buffer.position()) < 0) {
                // Sizes were checked against channel.size(): the file shrank while being read.
                throw new CorruptCheckpointException(file, "truncated while reading at byte "
                        + (position + buffer.position()), new EOFException());
            }
        }
        return buffer.flip();
    }
}
