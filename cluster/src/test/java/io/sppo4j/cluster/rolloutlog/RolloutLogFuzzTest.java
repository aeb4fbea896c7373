package io.sppo4j.cluster.rolloutlog;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sppo4j.cluster.serialization.DataPlaneProtos;
import io.sppo4j.cluster.serialization.WireFixtures;
import io.sppo4j.model.checkpoint.DurableFiles;
import io.sppo4j.model.fuzz.Fuzzing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Rollout log files under generated and mutated bytes, read as {@code sppo log cat} reads them:
 * the records before a damaged one are delivered, and the damaged one stops the reading with a
 * {@link RolloutLogException} naming the file, the record and its offset.
 */
class RolloutLogFuzzTest {

    private static Path directory;
    private static List<byte[]> seeds;

    @BeforeContainer
    static void seeds() throws IOException {
        directory = Files.createTempDirectory("rollout-log-fuzz");
        WireFixtures fixtures = new WireFixtures(11, null);
        seeds = new ArrayList<>();
        for (int file = 0; file < 6; file++) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (int record = 0; record < 1 + file % 3; record++) {
                DataPlaneProtos.logRecord(fixtures.judgedGroup(), 40 + record, 1_700_000_000_000L + record).writeDelimitedTo(out);
            }
            seeds.add(out.toByteArray());
        }
    }

    @AfterContainer
    static void cleanUp() throws IOException {
        DurableFiles.deleteRecursively(directory);
    }

    @Property(tries = 3_000)
    void aDamagedRecordStopsTheReadingByName(@ForAll("logs") byte[] content) throws IOException {
        Path file = directory.resolve("rollouts-000001.pb");
        Files.write(file, content);
        Fuzzing.Outcome outcome = Fuzzing.decodes("rollout log", Fuzzing.allocationBound(content.length),
                () -> RolloutLogReader.readAll(file), RolloutLogException.class);
        if (outcome.refused()) {
            assertTrue(outcome.refusal().getMessage().contains(file.toString()), outcome.refusal().getMessage());
        }
    }

    /** A record length prefix of ~2 GB in a short file: refused, nothing of that size allocated. */
    @Example
    void aRecordLengthOfTwoGigabytesAllocatesNothingOfThatSize() throws IOException {
        Path file = directory.resolve("huge-record.pb");
        byte[] content = new byte[64];
        byte[] length = {(byte) 0xF0, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x07}; // varint 0x7FFFFFF0
        System.arraycopy(length, 0, content, 0, length.length);
        Files.write(file, content);
        Fuzzing.Outcome outcome = Fuzzing.decodes("2 GB record", Fuzzing.allocationBound(64), () -> RolloutLogReader.readAll(file),
                RolloutLogException.class);
        assertTrue(outcome.refused());
    }

    @Provide
    Arbitrary<byte[]> logs() {
        return Fuzzing.bytesAround(seeds, 16_384);
    }
}
