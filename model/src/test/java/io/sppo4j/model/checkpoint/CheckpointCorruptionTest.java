package io.sppo4j.model.checkpoint;

import static io.sppo4j.model.checkpoint.CheckpointStoreTest.fileNames;
import static io.sppo4j.model.checkpoint.CheckpointStoreTest.names;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.sppo4j.model.TestPolicies;
import io.sppo4j.model.optim.OptimizerState;
import io.sppo4j.model.policy.TransformerPolicy;
import io.sppo4j.model.weights.NamedTensor;
import io.sppo4j.model.weights.TensorList;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointCorruptionTest {

    private static NDManager manager;
    private static TransformerPolicy policy;

    @TempDir
    Path dir;

    private CheckpointStore store;
    private Checkpoint first;
    private Path firstPath;

    @BeforeAll
    static void setUpPolicy() {
        manager = NDManager.newBaseManager();
        policy = TestPolicies.tiny(manager, 1);
    }

    @AfterAll
    static void tearDownPolicy() {
        policy.close();
        manager.close();
    }

    @BeforeEach
    void saveOne() throws IOException {
        store = new CheckpointStore(dir, 3);
        first = CheckpointFixtures.checkpoint(policy, 1, Map.of("task", "sort"));
        firstPath = store.save(first);
    }

    @Test
    void aTruncatedModelFileIsRejectedNamingIt() throws IOException {
        Path model = firstPath.resolve("model.safetensors");
        long size = Files.size(model);
        try (FileChannel channel = FileChannel.open(model, StandardOpenOption.WRITE)) {
            channel.truncate(size - 100);
        }
        CorruptCheckpointException error = rejection(firstPath);
        assertEquals(model, error.file());
        assertTrue(error.getMessage().contains("model.safetensors: truncated: meta.json says " + size
                + " bytes but the file has " + (size - 100)), error.getMessage());
    }

    @Test
    void aFlippedByteIsRejectedNamingTheFile() throws IOException {
        for (String name : List.of("model.safetensors", "optimizer.safetensors")) {
            Path file = firstPath.resolve(name);
            flipByte(file, Files.size(file) - 5);
            CorruptCheckpointException error = rejection(firstPath);
            assertEquals(file, error.file());
            assertTrue(error.getMessage().contains(name + ": corrupt: CRC32C"), error.getMessage());
            flipByte(file, Files.size(file) - 5); // undo, so the next file is the first fault
        }
        CheckpointFixtures.assertSameCheckpoint(first, store.load(firstPath));
    }

    @Test
    void aMissingMetaJsonIsRejectedAndTheDirectoryIsNotListed() throws IOException {
        Files.delete(firstPath.resolve("meta.json"));
        CorruptCheckpointException error = rejection(firstPath);
        assertTrue(error.getMessage().contains("meta.json: missing"), error.getMessage());
        assertEquals(List.of(), store.list());
    }

    @Test
    void invalidMetaJsonIsRejectedNamingTheProblem() throws IOException {
        Path meta = firstPath.resolve("meta.json");
        String valid = Files.readString(meta);

        Files.writeString(meta, "{\"format\": \"sppo4j-checkpoint\", garbage");
        assertTrue(rejection(firstPath).getMessage().contains("meta.json: not valid JSON"));

        Files.write(meta, new byte[] {(byte) 0xC3, 0x28});
        assertTrue(rejection(firstPath).getMessage().contains("meta.json: not valid UTF-8"));

        Files.writeString(meta, valid.replace("\"step\": 1,", ""));
        assertTrue(rejection(firstPath).getMessage().contains("meta.json: missing field 'step'"));

        Files.writeString(meta, valid.replace("\"width\": 32", "\"width\": \"32\""));
        assertTrue(rejection(firstPath).getMessage().contains("field 'policy_config.width' should be a number"));

        Files.writeString(meta, valid.replace("\"format_version\": 1", "\"format_version\": 2"));
        assertTrue(rejection(firstPath).getMessage().contains("unsupported format_version 2"));

        Files.writeString(meta, valid.replace("\"step\": 1,", "\"step\": 2,"));
        assertTrue(rejection(firstPath).getMessage().contains("says step 2 but lies in step-0000000001"));

        Files.writeString(meta, valid);
        CheckpointFixtures.assertSameCheckpoint(first, store.load(firstPath));
    }

    @Test
    void aMetaJsonThatDisagreesWithTheWeightsIsCaughtByTheWeightChecksum() throws IOException {
        Path meta = firstPath.resolve("meta.json");
        // Same weights, different version: every file digest still matches, the snapshot checksum does not.
        Files.writeString(meta, Files.readString(meta).replace("\"version\": 0,", "\"version\": 5,"));
        CorruptCheckpointException error = rejection(firstPath);
        assertTrue(error.getMessage().contains("model.safetensors: weight snapshot v5"), error.getMessage());
    }

    @Test
    void aCrashMidSaveLeavesThePreviousCheckpointNewestAndIsCleanedUpLater() throws IOException {
        Path leftover = dir.resolve(".tmp-step-0000000002-deadbeef");
        Files.createDirectories(leftover);
        byte[] model = Files.readAllBytes(firstPath.resolve("model.safetensors"));
        Files.write(leftover.resolve("model.safetensors"), Arrays.copyOf(model, model.length / 2));

        assertEquals(Optional.of(firstPath), store.newest());
        CheckpointFixtures.assertSameCheckpoint(first, store.loadNewest().orElseThrow());

        store.save(CheckpointFixtures.checkpoint(policy, 2, Map.of()));
        assertEquals(List.of("step-0000000001", "step-0000000002"), names(dir));
    }

    @Test
    void aSaveThatFailsHalfWayLeavesThePreviousCheckpointNewest() throws IOException {
        Checkpoint good = CheckpointFixtures.checkpoint(policy, 2, Map.of());
        NamedTensor moment = ((TensorList) good.optimizer().tensors()).tensors().get(0);
        // The model file is written by the time the optimizer file refuses its duplicate name.
        OptimizerState broken = new OptimizerState("adamw", Map.of(), List.of(moment, moment));
        Checkpoint bad = new Checkpoint(good.policyConfig(), good.version(), good.step(), good.weights(), broken,
                good.rngSeed(), good.extra());

        assertThrows(IllegalArgumentException.class, () -> store.save(bad));

        assertEquals(List.of("step-0000000001"), names(dir), "no partial directory survives");
        CheckpointFixtures.assertSameCheckpoint(first, store.loadNewest().orElseThrow());
    }

    @Test
    void aSaveIntoAnUnwritableLocationFailsWithoutHarm() throws IOException {
        Path blocker = dir.resolve("blocker");
        Files.writeString(blocker, "a file where the store's directory should be");
        CheckpointStore blocked = new CheckpointStore(blocker.resolve("checkpoints"), 1);
        assertThrows(IOException.class, () -> blocked.save(first));
        CheckpointFixtures.assertSameCheckpoint(first, store.loadNewest().orElseThrow());
    }

    @Test
    void aCrashWhileReplacingAStepFallsBackToTheMovedAsideCopy() throws IOException {
        Path second = store.save(CheckpointFixtures.checkpoint(policy, 2, Map.of("attempt", "old")));
        // State between "move the old step-2 aside" and "move the new one in":
        Path aside = dir.resolve(".replaced-step-0000000002-abc123");
        Files.move(second, aside);
        Files.createDirectories(dir.resolve(".tmp-step-0000000002-0123abcd"));

        assertEquals(List.of("step-0000000001", ".replaced-step-0000000002-abc123"), fileNames(store.list()));
        assertEquals(Map.of("attempt", "old"), store.loadNewest().orElseThrow().extra());

        store.save(CheckpointFixtures.checkpoint(policy, 3, Map.of()));
        assertEquals(List.of("step-0000000001", "step-0000000002", "step-0000000003"), names(dir));
        assertEquals(Map.of("attempt", "old"), store.load(dir.resolve("step-0000000002")).extra());
    }

    private CorruptCheckpointException rejection(Path checkpoint) {
        return assertThrows(CorruptCheckpointException.class, () -> store.load(checkpoint));
    }

    private static void flipByte(Path file, long position) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer one = ByteBuffer.allocate(1);
            channel.read(one, position);
            one.put(0, (byte) (one.get(0) ^ 0x01));
            channel.write(one.rewind(), position);
        }
    }
}
