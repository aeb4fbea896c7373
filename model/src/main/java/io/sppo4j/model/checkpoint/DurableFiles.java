package io.sppo4j.model.checkpoint;

import java.io.BufferedOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.zip.CRC32C;

/**
 * File operations that survive a power cut at any instant: data reaches the disk before the
 * rename that publishes it, and the rename reaches the disk before anyone relies on it.
 */
public final class DurableFiles {

    /** What a file's content is, written to a stream. */
    @FunctionalInterface
    public interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    /** What a file's content is, written to a channel: large buffers (native views, mappings) go in without a copy. */
    @FunctionalInterface
    public interface ChannelContent {
        void writeTo(WritableByteChannel out) throws IOException;
    }

    private DurableFiles() {}

    /** Creates {@code file} (which must not exist), writes it, fsyncs it, and digests what was written. */
    public static FileDigest writeSynced(Path file, Content content) throws IOException {
        return writeChannelSynced(file, channel -> {
            // Not closed: closing the stream would close the channel before force().
            OutputStream out = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16);
            content.writeTo(out);
            out.flush();
        });
    }

    /** {@link #writeSynced(Path, Content)} for content written to a channel. */
    public static FileDigest writeChannelSynced(Path file, ChannelContent content) throws IOException {
        CRC32C crc = new CRC32C();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            content.writeTo(new WritableByteChannel() {
                @Override
                public int write(ByteBuffer source) throws IOException {
                    ByteBuffer written = source.duplicate();
                    int count = channel.write(source);
                    crc.update(written.limit(written.position() + count)); // in place, direct buffers too
                    return count;
                }

                @Override
                public boolean isOpen() {
                    return channel.isOpen();
                }

                @Override
                public void close() {
                    // The file is closed (after its fsync) by writeChannelSynced, not by its content.
                }
            });
            channel.force(true);
            return new FileDigest(channel.size(), (int) crc.getValue());
        }
    }

    /** Makes the entries of {@code directory} (creations, renames, deletions) durable. */
    public static void syncDirectory(Path directory) throws IOException {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            // Windows cannot open a directory as a file; its renames are durable on their own.
            if (File.separatorChar != '\\') {
                throw e;
            }
        }
    }

    /** Renames in one step, so observers see the old name or the new one, never a half-moved tree. */
    public static void moveAtomically(Path from, Path to) throws IOException {
        Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Deletes a file or a directory tree; what is already gone is not an error. */
    public static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.walkFileTree(path, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                if (e instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                throw e;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path directory, IOException e) throws IOException {
                if (e != null && !(e instanceof NoSuchFileException)) {
                    throw e;
                }
                Files.deleteIfExists(directory);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
