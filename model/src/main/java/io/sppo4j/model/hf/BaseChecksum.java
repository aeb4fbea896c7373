package io.sppo4j.model.hf;

import io.sppo4j.model.nd.DirectBuffers;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * Which base a LoRA adapter belongs to: a CRC32C of the base directory's {@code config.json}
 * and weight files, streamed (hardware CRC32C reads several GB/s, so a 7B base costs seconds).
 * Adapters trained on one base mean nothing on another, so nodes, checkpoints and saved adapters
 * carry it and refuse a mismatch.
 */
public final class BaseChecksum {

    private static final int CHUNK = 8 << 20;

    /**
     * Checksums already computed, by directory and its files' names, sizes and modification
     * times: every role of a run loads the same base, and reading 15 GB once is enough.
     */
    private static final Map<String, String> COMPUTED = new ConcurrentHashMap<>();

    private BaseChecksum() {}

    /** {@code crc32c:<hex>:<bytes>} over {@code config.json} then every {@code *.safetensors} file by name. */
    public static String of(Path directory) throws IOException {
        List<Path> files;
        try (Stream<Path> listing = Files.list(directory)) {
            files = Stream.concat(Stream.of(directory.resolve(HfModelDirectory.CONFIG_FILE)), listing
                    .filter(file -> file.getFileName().toString().endsWith(".safetensors")).sorted()).toList();
        }
        StringBuilder key = new StringBuilder(directory.toAbsolutePath().toString());
        for (Path file : files) {
            key.append('|').append(file.getFileName()).append(':').append(Files.size(file))
                    .append(':').append(Files.getLastModifiedTime(file).toMillis());
        }
        String known = COMPUTED.get(key.toString());
        if (known == null) {
            known = compute(files);
            COMPUTED.put(key.toString(), known);
        }
        return known;
    }

    private static String compute(List<Path> files) throws IOException {
        CRC32C crc = new CRC32C();
        long bytes = 0;
        ByteBuffer buffer = ByteBuffer.allocateDirect(CHUNK);
        try {
            for (Path file : files) {
                try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
                    while (channel.read(buffer.clear()) > 0) {
                        buffer.flip();
                        bytes += buffer.remaining();
                        crc.update(buffer);
                    }
                }
            }
        } finally {
            DirectBuffers.free(buffer);
        }
        return String.format(Locale.ROOT, "crc32c:%08x:%d", crc.getValue(), bytes);
    }
}
