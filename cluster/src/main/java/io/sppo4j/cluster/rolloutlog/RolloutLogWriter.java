package io.sppo4j.cluster.rolloutlog;

import io.sppo4j.actors.JudgedGroupSink;
import io.sppo4j.actors.data.JudgedGroup;
import io.sppo4j.cluster.serialization.DataPlaneProtos;
import io.sppo4j.proto.RolloutLogRecord;

import com.google.protobuf.CodedOutputStream;
import com.typesafe.config.Config;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rollout log: every judged group that reaches the learner, appended as a length-delimited
 * {@code sppo4j.v1.RolloutLogRecord} (protobuf's {@code writeDelimitedTo} framing) to
 * {@code rollouts-000001.pb}, {@code rollouts-000002.pb}, … in one directory. A file is closed
 * once it reaches {@link Settings#maxFileBytes()} and the next record starts the next file;
 * numbering continues after the files already there, which are never overwritten.
 *
 * <p>The learner calls {@link #accept} on its own thread, so writing is buffered, and flushed every
 * {@link Settings#flushInterval()} by a daemon thread of the writer's own (also when no records
 * come, so a paused learner's log is current), and nothing is ever thrown back: the log is a
 * record of training, not a condition for it. A record that cannot be made or written is counted
 * ({@link RolloutLogMetrics#errors()}) and logged (the first at once, then at most once a
 * minute); after an IO error the file is abandoned, possibly with a torn last record that
 * readers report, and the next record tries a new file.
 */
public final class RolloutLogWriter implements JudgedGroupSink {

    /**
     * @param directory where the files go (created if missing)
     * @param maxFileBytes a file is closed once it holds at least this many bytes
     * @param flushInterval buffered records reach the file at least this often (and at close);
     *     zero flushes after every record
     */
    public record Settings(Path directory, long maxFileBytes, Duration flushInterval) {
        public Settings {
            Objects.requireNonNull(directory, "directory");
            Objects.requireNonNull(flushInterval, "flushInterval");
            if (maxFileBytes <= 0) {
                throw new IllegalArgumentException("rollout log max-file-size must be positive, got " + maxFileBytes);
            }
            if (flushInterval.isNegative()) {
                throw new IllegalArgumentException("rollout log flush-interval must not be negative, got " + flushInterval);
            }
        }

        /**
         * Reads {@code directory}, {@code max-file-size} (a size, e.g. {@code 256 MiB}) and
         * {@code flush-interval} (a duration, e.g. {@code 1s}) from {@code config}, e.g. the
         * {@code sppo4j.rollout-log} section.
         */
        public static Settings fromConfig(Config config) {
            return new Settings(Path.of(config.getString("directory")), config.getBytes("max-file-size"),
                    config.getDuration("flush-interval"));
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(RolloutLogWriter.class);
    private static final long ERROR_LOG_INTERVAL_NANOS = Duration.ofMinutes(1).toNanos();
    private static final int BUFFER_BYTES = 1 << 16;

    private final Settings settings;
    private final RolloutLogMetrics metrics;
    private final LongSupplier wallClockMillis;
    private final LongSupplier nanoTime;
    private final ScheduledExecutorService flusher;

    private long nextIndex;
    private OutputStream out;
    private Path file;
    private long fileBytes;
    private long lastErrorLogNanos;
    private long failures;
    private long errorsSinceLog;
    private boolean closed;

    /**
     * @throws UncheckedIOException if the directory cannot be created or listed: a wrong setting,
     *     reported at start rather than as lost records
     */
    public RolloutLogWriter(Settings settings, RolloutLogMetrics metrics) {
        this(settings, metrics, System::currentTimeMillis, System::nanoTime);
    }

    RolloutLogWriter(Settings settings, RolloutLogMetrics metrics, LongSupplier wallClockMillis, LongSupplier nanoTime) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.wallClockMillis = wallClockMillis;
        this.nanoTime = nanoTime;
        try {
            Files.createDirectories(settings.directory());
            this.nextIndex = RolloutLogFiles.nextIndex(settings.directory());
        } catch (IOException e) {
            throw new UncheckedIOException("rollout log directory " + settings.directory() + ": " + e.getMessage(), e);
        }
        if (settings.flushInterval().isZero()) {
            flusher = null; // every record is flushed as it is written
        } else {
            flusher = Executors.newSingleThreadScheduledExecutor(task -> {
                Thread thread = new Thread(task, "sppo-rollout-log-flush");
                thread.setDaemon(true); // never keeps the JVM alive
                return thread;
            });
            long interval = settings.flushInterval().toNanos();
            flusher.scheduleAtFixedRate(this::flush, interval, interval, TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public synchronized void accept(JudgedGroup group, long learnerVersion) {
        if (closed) {
            failed(new IllegalStateException("rollout log is closed"), false);
            return;
        }
        RolloutLogRecord record;
        try {
            record = DataPlaneProtos.logRecord(group, learnerVersion, wallClockMillis.getAsLong());
        } catch (RuntimeException e) {
            failed(e, false); // this record cannot be written; the file is unharmed
            return;
        }
        try {
            if (out == null) {
                openNext();
            }
            int size = record.getSerializedSize();
            record.writeDelimitedTo(out);
            long written = CodedOutputStream.computeUInt32SizeNoTag(size) + (long) size;
            fileBytes += written;
            metrics.records.inc();
            metrics.bytes.inc(written);
            if (fileBytes >= settings.maxFileBytes()) {
                closeFile();
            } else if (flusher == null) {
                out.flush();
            }
        } catch (IOException | RuntimeException e) {
            failed(e, true);
        }
    }

    /** Writes buffered records to the file now (the flusher thread calls this every interval). */
    public synchronized void flush() {
        if (out != null) {
            try {
                out.flush(); // nothing buffered: nothing written
            } catch (IOException e) {
                failed(e, true);
            }
        }
    }

    /** The file records go to now, or null between files. */
    public synchronized Path currentFile() {
        return file;
    }

    /** Flushes and closes the current file; later records are counted as errors. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (flusher != null) {
            flusher.shutdown();
        }
        try {
            closeFile();
        } catch (IOException e) {
            failed(e, true);
        }
    }

    private void openNext() throws IOException {
        // CREATE_NEW: a file that appeared since (another writer on the directory) is skipped, never appended to.
        for (int attempt = 0; ; attempt++) {
            Path candidate = settings.directory().resolve(RolloutLogFiles.name(nextIndex++));
            try {
                out = new BufferedOutputStream(
                        Files.newOutputStream(candidate, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                        BUFFER_BYTES);
                file = candidate;
                fileBytes = 0;
                metrics.files.inc();
                LOG.debug("rollout log: writing {}", candidate);
                return;
            } catch (FileAlreadyExistsException e) {
                if (attempt >= 100) {
                    throw e;
                }
            }
        }
    }

    private void closeFile() throws IOException {
        OutputStream current = out;
        out = null;
        file = null;
        if (current != null) {
            current.close(); // flushes
        }
    }

    private void failed(Exception error, boolean abandonFile) {
        metrics.errors.inc();
        Path failedFile = file;
        if (abandonFile && out != null) {
            OutputStream current = out;
            out = null;
            file = null;
            try {
                current.close();
            } catch (IOException | RuntimeException ignored) {
                // the file is abandoned either way; the first error is the one worth reporting
            }
        }
        failures++;
        errorsSinceLog++;
        long now = nanoTime.getAsLong();
        boolean first = failures == 1;
        if (first || now - lastErrorLogNanos >= ERROR_LOG_INTERVAL_NANOS) {
            String where = failedFile != null ? failedFile.toString() : settings.directory().toString();
            if (first) {
                LOG.error("rollout log {}: a judged group was not logged (training goes on)", where, error);
            } else {
                LOG.error("rollout log {}: {} judged groups not logged since the last report, latest: {}",
                        where, errorsSinceLog, error.toString());
            }
            lastErrorLogNanos = now;
            errorsSinceLog = 0;
        }
    }
}
