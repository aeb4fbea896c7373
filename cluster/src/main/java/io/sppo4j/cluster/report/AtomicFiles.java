package io.sppo4j.cluster.report;

import java.io.BufferedOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Replaces a file so that a reader (a dashboard, {@code tail}, a plotting script) sees the old
 * content or the new one, never a half-written file, even across a crash.
 */
final class AtomicFiles {

    /** What a file's content is, written to a stream. */
    @FunctionalInterface
    interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    private AtomicFiles() {}

    /** Writes {@code content} to a temporary file beside {@code target}, fsyncs it, and renames it over {@code target}. */
    static void replace(Path target, Content content) throws IOException {
        Path absolute = target.toAbsolutePath();
        Path directory = absolute.getParent();
        // Same directory: a rename is only atomic within one file system. A dot name keeps
        // globbing readers (*.csv) off it; the random part lets concurrent writers coexist.
        Path temp = directory.resolve("." + absolute.getFileName() + "."
                + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36) + ".tmp");
        try {
            // CREATE_NEW rather than createTempFile: the file keeps the umask's permissions, not 0600.
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                // Not closed: closing the stream would close the channel before force().
                OutputStream out = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16);
                content.writeTo(out);
                out.flush();
                channel.force(true);
            }
            Files.move(temp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException | Error e) {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        syncDirectory(directory);
    }

    /** Makes the rename durable, so a crash right after cannot bring the old file back. */
    private static void syncDirectory(Path directory) throws IOException {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            // Windows cannot open a directory as a file; its renames are durable on their own.
            if (File.separatorChar != '\\') {
                throw e;
            }
        }
    }
}
