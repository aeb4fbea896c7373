package io.sppo4j.model.checkpoint;

import io.sppo4j.model.weights.NamedTensor;
import io.sppo4j.model.weights.TensorSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The safetensors format (Hugging Face), read and written exactly: an 8-byte little-endian
 * unsigned header length N, N bytes of UTF-8 JSON padded with spaces to a multiple of 8
 * ({@code {"__metadata__": {"k": "v"}, "<name>": {"dtype": "F32", "shape": [..],
 * "data_offsets": [begin, end]}, ...}}), then the tensors' little-endian bytes back to back,
 * offsets counted from the end of the header. Files written here load in PyTorch with
 * {@code safetensors.torch.load_file}, and theirs load here (for F32, BF16, F16 and I64).
 *
 * <p>Tensors are written one at a time from a {@link TensorSource} and read by mapping (see
 * {@link SafeTensorsFile}), so neither direction holds a file's data on the Java heap.
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
     * Writes the header, then each tensor as the source hands it over. Does not close or sync {@code out}.
     *
     * @throws IllegalArgumentException before writing anything if a name repeats or is
     *     {@code __metadata__}
     */
    public static void write(WritableByteChannel out, TensorSource tensors, Map<String, String> metadata)
            throws IOException {
        byte[] header = SafeTensorsHeader.encode(tensors.specs(), metadata);
        writeFully(out, ByteBuffer.allocate(LENGTH_BYTES).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length));
        writeFully(out, ByteBuffer.wrap(header));
        tensors.forEach(tensor -> writeFully(out, tensor.bytes()));
    }

    /**
     * Writes a new file, replacing any by rename, without syncing it (see {@link CheckpointStore}
     * for durability). Never truncates the old file in place: it may be mapped, even by
     * {@code tensors} themselves, and a mapping whose file shrinks faults when read.
     */
    public static void write(Path file, TensorSource tensors, Map<String, String> metadata) throws IOException {
        Path temp = file.resolveSibling("." + file.getFileName() + ".tmp-" + UUID.randomUUID());
        try {
            try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                write(out, tensors, metadata);
            }
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** {@link #write(Path, TensorSource, Map)} of tensors already in memory. */
    public static void write(Path file, List<NamedTensor> tensors, Map<String, String> metadata) throws IOException {
        write(file, TensorSource.of(tensors), metadata);
    }

    /**
     * Validates a whole file and maps its tensors (see {@link SafeTensorsFile#open} and
     * {@link SafeTensorsFile#mapped()}).
     *
     * @throws CorruptCheckpointException naming the file and the problem
     */
    public static Contents read(Path file) throws IOException {
        SafeTensorsFile opened = SafeTensorsFile.open(file);
        return new Contents(opened.mapped(), opened.metadata());
    }

    /** Writes all of {@code bytes}' remaining bytes: a channel may take fewer per call. */
    static void writeFully(WritableByteChannel out, ByteBuffer bytes) throws IOException {
        while (bytes.hasRemaining()) {
            out.write(bytes);
        }
    }
}
