package io.sppo4j.model.checkpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * A file's length and CRC32C, as meta.json records them for each data file of a checkpoint.
 * The length alone tells a truncated file from a damaged one, which makes a better message.
 */
public record FileDigest(long bytes, int crc32c) {

    static FileDigest of(Path file) throws IOException {
        CRC32C crc = new CRC32C();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
            long bytes = 0;
            int read;
            while ((read = channel.read(buffer)) >= 0) {
                bytes += read;
                crc.update(buffer.flip());
                buffer.clear();
            }
            return new FileDigest(bytes, (int) crc.getValue());
        }
    }

    /** The checksum as meta.json and error messages print it. */
    String crc32cHex() {
        return String.format("%08x", crc32c);
    }
}
