package io.sppo4j.cluster.rolloutlog;

import io.sppo4j.cluster.serialization.DataPlaneProtos;
import io.sppo4j.proto.RolloutLogRecord;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * Reads one rollout log file: length-delimited {@code sppo4j.v1.RolloutLogRecord}s, in order.
 * A record that is cut short (a writer that died mid-record), does not parse, or was written
 * under a newer schema stops the reading with a {@link RolloutLogException} naming the file,
 * the record's number and its byte offset; the records before it were delivered.
 */
public final class RolloutLogReader implements Iterator<LoggedGroup>, Closeable {

    private final Path file;
    private final CountingInputStream input;
    private long recordsRead;
    private LoggedGroup next;
    private boolean finished;

    private RolloutLogReader(Path file, InputStream input) {
        this.file = file;
        this.input = new CountingInputStream(new BufferedInputStream(input, 1 << 16));
    }

    /** Opens {@code file} for reading from its first record. */
    public static RolloutLogReader open(Path file) throws IOException {
        return new RolloutLogReader(file, Files.newInputStream(file));
    }

    /** Every record of {@code file}. */
    public static List<LoggedGroup> readAll(Path file) throws IOException {
        List<LoggedGroup> records = new ArrayList<>();
        try (RolloutLogReader reader = open(file)) {
            reader.forEachRemaining(records::add);
        }
        return records;
    }

    /**
     * @throws RolloutLogException if the next record is truncated, damaged or too new
     * @throws UncheckedIOException if the file cannot be read
     */
    @Override
    public boolean hasNext() {
        if (next == null && !finished) {
            next = readNext();
            finished = next == null;
        }
        return next != null;
    }

    @Override
    public LoggedGroup next() {
        if (!hasNext()) {
            throw new NoSuchElementException(file + ": no more records after " + recordsRead);
        }
        LoggedGroup record = next;
        next = null;
        return record;
    }

    /** Records delivered so far. */
    public long recordsRead() {
        return recordsRead;
    }

    @Override
    public void close() throws IOException {
        input.close();
    }

    private LoggedGroup readNext() {
        long offset = input.count;
        long number = recordsRead + 1;
        RolloutLogRecord record;
        try {
            record = RolloutLogRecord.parseDelimitedFrom(input); // null at a clean end of file
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new RolloutLogException(file, number, offset, "truncated or damaged: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": reading record " + number + ": " + e.getMessage(), e);
        }
        if (record == null) {
            return null;
        }
        try {
            DataPlaneProtos.checkLogRecord(record);
            LoggedGroup group = new LoggedGroup(
                    DataPlaneProtos.fromProto(record.getJudged()), record.getLearnerVersion(), record.getLoggedAtMillis());
            recordsRead = number;
            return group;
        } catch (RuntimeException e) {
            // A newer schema, or values the records refuse: a damaged record that still parsed.
            throw new RolloutLogException(file, number, offset, e.getMessage(), e);
        }
    }

    /** Counts bytes consumed, so an error can say where in the file its record starts. */
    private static final class CountingInputStream extends FilterInputStream {
        long count;

        CountingInputStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = super.read(buffer, offset, length);
            if (n > 0) {
                count += n;
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long skipped = super.skip(n);
            count += skipped;
            return skipped;
        }

        @Override
        public boolean markSupported() {
            return false; // a reset would make the count wrong
        }
    }
}
