package io.sppo4j.cluster.rolloutlog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sppo4j.actors.data.JudgedGroup;
import io.sppo4j.cluster.serialization.DataPlaneProtos;
import io.sppo4j.cluster.serialization.UnsupportedSchemaVersionException;
import io.sppo4j.cluster.serialization.WireFixtures;
import io.sppo4j.cluster.serialization.WireSchema;
import io.sppo4j.proto.RolloutLogRecord;

import com.typesafe.config.ConfigFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RolloutLogTest {

    @TempDir
    Path directory;

    private final AtomicLong clock = new AtomicLong(1_700_000_000_000L);

    /** Judged groups of random sizes and contents; no actor system needed. */
    static List<JudgedGroup> groups(int count, long seed) {
        WireFixtures fixtures = new WireFixtures(seed, null);
        List<JudgedGroup> groups = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            groups.add(fixtures.judgedGroup());
        }
        return groups;
    }

    private RolloutLogWriter writer(long maxFileBytes, Duration flushInterval, RolloutLogMetrics metrics) {
        return new RolloutLogWriter(new RolloutLogWriter.Settings(directory, maxFileBytes, flushInterval), metrics,
                clock::incrementAndGet, System::nanoTime);
    }

    @Test
    void groupsComeBackInOrderAcrossRotatedFiles() throws IOException {
        List<JudgedGroup> groups = groups(60, 1);
        RolloutLogMetrics metrics = RolloutLogMetrics.unregistered();
        try (RolloutLogWriter writer = writer(4096, Duration.ofSeconds(1), metrics)) {
            for (int i = 0; i < groups.size(); i++) {
                writer.accept(groups.get(i), 1000 + i);
            }
        }
        List<Path> files = RolloutLogFiles.list(directory);
        assertTrue(files.size() >= 3, "files: " + files);
        assertEquals(RolloutLogFiles.name(1), files.get(0).getFileName().toString());
        assertEquals(RolloutLogFiles.name(files.size()), files.get(files.size() - 1).getFileName().toString());
        List<LoggedGroup> read = new ArrayList<>();
        long bytes = 0;
        for (Path file : files) {
            read.addAll(RolloutLogReader.readAll(file));
            bytes += Files.size(file);
        }
        assertEquals(groups.size(), read.size());
        for (int i = 0; i < groups.size(); i++) {
            assertEquals(groups.get(i), read.get(i).group(), "record " + i);
            assertEquals(1000 + i, read.get(i).learnerVersion());
            assertEquals(1_700_000_000_001L + i, read.get(i).loggedAtMillis());
        }
        assertEquals(groups.size(), metrics.records());
        assertEquals(bytes, metrics.bytes());
        assertEquals(files.size(), metrics.files());
        assertEquals(0, metrics.errors());
        // Every file but the last holds at least the maximum: files are cut after a record, never inside one.
        for (Path file : files.subList(0, files.size() - 1)) {
            assertTrue(Files.size(file) >= 4096, file + ": " + Files.size(file));
        }
    }

    @Test
    void aNewWriterContinuesTheNumberingAndNeverOverwrites() throws IOException {
        List<JudgedGroup> groups = groups(4, 2);
        try (RolloutLogWriter first = writer(1, Duration.ZERO, RolloutLogMetrics.unregistered())) {
            first.accept(groups.get(0), 1);
            first.accept(groups.get(1), 2);
        }
        Files.writeString(directory.resolve("notes.txt"), "not a log file");
        try (RolloutLogWriter second = writer(1, Duration.ZERO, RolloutLogMetrics.unregistered())) {
            second.accept(groups.get(2), 3);
            second.accept(groups.get(3), 4);
        }
        List<Path> files = RolloutLogFiles.list(directory);
        assertEquals(4, files.size());
        for (int i = 0; i < 4; i++) {
            assertEquals(RolloutLogFiles.name(i + 1), files.get(i).getFileName().toString());
            assertEquals(List.of(groups.get(i)), RolloutLogReader.readAll(files.get(i)).stream().map(LoggedGroup::group).toList());
        }
    }

    @Test
    void recordsReachTheFileByTheFlushIntervalNotOnlyAtClose() throws IOException {
        List<JudgedGroup> groups = groups(3, 3);
        try (RolloutLogWriter writer = writer(1 << 20, Duration.ZERO, RolloutLogMetrics.unregistered())) {
            writer.accept(groups.get(0), 1);
            Path file = writer.currentFile();
            assertEquals(1, RolloutLogReader.readAll(file).size());
            writer.accept(groups.get(1), 2);
            assertEquals(2, RolloutLogReader.readAll(file).size());
        }
        try (RolloutLogWriter writer = writer(1 << 20, Duration.ofHours(1), RolloutLogMetrics.unregistered())) {
            writer.accept(groups.get(2), 3);
            Path file = writer.currentFile();
            assertEquals(0, Files.size(file)); // buffered: the hour has not passed
            writer.flush();
            assertEquals(1, RolloutLogReader.readAll(file).size());
        }
        // The flusher needs no further record to come: a paused learner's log is current.
        try (RolloutLogWriter writer = writer(1 << 20, Duration.ofMillis(20), RolloutLogMetrics.unregistered())) {
            writer.accept(groups.get(0), 4);
            Path file = writer.currentFile();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (Files.size(file) == 0 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
                Thread.yield();
            }
            assertEquals(1, RolloutLogReader.readAll(file).size());
        }
    }

    @Test
    void ioErrorsAreCountedAndNeverThrown() throws IOException {
        List<JudgedGroup> groups = groups(5, 4);
        RolloutLogMetrics metrics = RolloutLogMetrics.unregistered();
        RolloutLogWriter writer = writer(1, Duration.ZERO, metrics);
        writer.accept(groups.get(0), 1);
        // The directory disappears (a full disk or an unmounted volume looks the same to the writer).
        for (Path file : RolloutLogFiles.list(directory)) {
            Files.delete(file);
        }
        Files.delete(directory);
        Files.writeString(directory, "a file where the directory was");
        writer.accept(groups.get(1), 2);
        writer.accept(groups.get(2), 3);
        assertEquals(2, metrics.errors());
        assertEquals(1, metrics.records());
        // Training goes on; once the directory is back, so does the log.
        Files.delete(directory);
        Files.createDirectories(directory);
        writer.accept(groups.get(3), 4);
        writer.close();
        writer.accept(groups.get(4), 5); // after close: counted, not thrown
        assertEquals(3, metrics.errors());
        assertEquals(2, metrics.records());
        assertEquals(1, RolloutLogFiles.list(directory).size());
    }

    @Test
    void anUnwritableGroupIsCountedAndTheFileStaysIntact() throws IOException {
        RolloutLogMetrics metrics = RolloutLogMetrics.unregistered();
        JudgedGroup good = groups(1, 5).get(0);
        JudgedGroup ragged = new JudgedGroup(new WireFixtures(5, null).rolloutGroup(2), new double[][] {{0.5, 0.5}, {0.5}},
                new double[2], 0, "judge");
        try (RolloutLogWriter writer = writer(1 << 20, Duration.ZERO, metrics)) {
            writer.accept(good, 1);
            writer.accept(ragged, 2);
            writer.accept(good, 3);
        }
        assertEquals(1, metrics.errors());
        Path file = RolloutLogFiles.list(directory).get(0);
        assertEquals(List.of(1L, 3L), RolloutLogReader.readAll(file).stream().map(LoggedGroup::learnerVersion).toList());
    }

    @Test
    void aTruncatedFileIsReportedNamingTheFileAndTheRecord() throws IOException {
        List<JudgedGroup> groups = groups(5, 6);
        try (RolloutLogWriter writer = writer(1 << 20, Duration.ZERO, RolloutLogMetrics.unregistered())) {
            for (JudgedGroup group : groups) {
                writer.accept(group, 7);
            }
        }
        Path file = RolloutLogFiles.list(directory).get(0);
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(bytes, bytes.length - 3)); // the writer died mid-record
        List<LoggedGroup> read = new ArrayList<>();
        RolloutLogException error;
        try (RolloutLogReader reader = RolloutLogReader.open(file)) {
            error = assertThrows(RolloutLogException.class, () -> reader.forEachRemaining(read::add));
            assertEquals(4, reader.recordsRead());
        }
        assertEquals(groups.subList(0, 4), read.stream().map(LoggedGroup::group).toList());
        assertEquals(file, error.file());
        assertEquals(5, error.record());
        assertTrue(error.getMessage().startsWith(file + ": record 5 (at byte "), error.getMessage());
        assertTrue(error.getMessage().contains("truncated"), error.getMessage());

        // Cut inside the length prefix of a record.
        Files.write(file, new byte[] {(byte) 0x80});
        RolloutLogException prefix = assertThrows(RolloutLogException.class, () -> RolloutLogReader.readAll(file));
        assertEquals(1, prefix.record());
    }

    @Test
    void aRecordFromANewerSchemaIsRefused() throws IOException {
        JudgedGroup group = groups(1, 7).get(0);
        Path file = directory.resolve(RolloutLogFiles.name(1));
        try (OutputStream out = Files.newOutputStream(file)) {
            DataPlaneProtos.logRecord(group, 1, 2).writeDelimitedTo(out);
            RolloutLogRecord newer = DataPlaneProtos.logRecord(group, 3, 4).toBuilder()
                    .setSchemaVersion(WireSchema.ROLLOUT_LOG_RECORD + 1).build();
            newer.writeDelimitedTo(out);
        }
        RolloutLogException error;
        try (RolloutLogReader reader = RolloutLogReader.open(file)) {
            assertEquals(group, reader.next().group());
            error = assertThrows(RolloutLogException.class, reader::hasNext);
        }
        assertEquals(2, error.record());
        assertTrue(error.getCause() instanceof UnsupportedSchemaVersionException, error.toString());
        assertTrue(error.getMessage().contains("sppo4j.v1.RolloutLogRecord has schema_version 2"), error.getMessage());
    }

    @Test
    void settingsComeFromConfigAndRefuseNonsense() {
        RolloutLogWriter.Settings settings = RolloutLogWriter.Settings.fromConfig(ConfigFactory.parseString(
                "directory = /tmp/x, max-file-size = 64 MiB, flush-interval = 2s"));
        assertEquals(new RolloutLogWriter.Settings(Path.of("/tmp/x"), 64L << 20, Duration.ofSeconds(2)), settings);
        assertThrows(IllegalArgumentException.class,
                () -> new RolloutLogWriter.Settings(directory, 0, Duration.ZERO));
        assertThrows(IllegalArgumentException.class,
                () -> new RolloutLogWriter.Settings(directory, 1, Duration.ofSeconds(-1)));
        assertFalse(RolloutLogFiles.index(Path.of("rollouts-1.pb")) >= 0);
        assertEquals(12, RolloutLogFiles.index(Path.of("rollouts-000012.pb")));
        assertEquals(1234567, RolloutLogFiles.index(Path.of(RolloutLogFiles.name(1234567))));
    }
}
