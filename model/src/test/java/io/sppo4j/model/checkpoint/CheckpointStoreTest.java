package io.sppo4j.model.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.sppo4j.model.TestPolicies;
import io.sppo4j.model.policy.PolicyConfig;
import io.sppo4j.model.policy.TransformerPolicy;
import io.sppo4j.model.weights.WeightFixtures;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointStoreTest {

    private static NDManager manager;
    private static TransformerPolicy policy;

    @TempDir
    Path dir;

    @BeforeAll
    static void setUp() {
        manager = NDManager.newBaseManager();
        policy = TestPolicies.tiny(manager, 1);
    }

    @AfterAll
    static void tearDown() {
        policy.close();
        manager.close();
    }

    @Test
    void saveThenLoadGivesTheSameCheckpointAndTheSameLogits() throws IOException {
        CheckpointStore store = new CheckpointStore(dir, 3);
        Checkpoint saved = CheckpointFixtures.checkpoint(policy, 12, Map.of("task", "sort", "run", "α-1"));

        Path path = store.save(saved);

        assertEquals(dir.resolve("step-0000000012"), path);
        assertEquals(List.of("meta.json", "model.safetensors", "optimizer.safetensors"), names(path));
        Checkpoint loaded = store.load(path);
        CheckpointFixtures.assertSameCheckpoint(saved, loaded);
        assertEquals(saved.weights().tensors(), loaded.weights().tensors(), "weight bytes, as a snapshot");
        assertTrue(Double.isNaN(loaded.optimizer().scalars().get("loss_ema")));
        CheckpointFixtures.assertSameCheckpoint(saved, store.loadNewest().orElseThrow());
        try (TransformerPolicy restored = TestPolicies.tiny(manager, 99)) {
            loaded.restoreInto(restored);
            assertArrayEquals(WeightFixtures.logits(policy), WeightFixtures.logits(restored));
        }
        String meta = Files.readString(path.resolve("meta.json"));
        assertTrue(meta.contains("\"dropout\": 0.0") && meta.contains("\"loss_ema\": \"NaN\""), meta);
    }

    @Test
    void aReferencePolicyNeedsNoOptimizerState() throws IOException {
        CheckpointStore store = new CheckpointStore(dir, 1);
        Checkpoint reference = Checkpoint.capture(policy, 0, 0, null, 7, Map.of());
        Path path = store.save(reference);
        assertEquals(List.of("meta.json", "model.safetensors"), names(path));
        Checkpoint loaded = store.load(path);
        assertNull(loaded.optimizer());
        CheckpointFixtures.assertSameCheckpoint(reference, loaded);
    }

    @Test
    void retentionKeepsTheNewestAndNeverTheOneJustWritten() throws IOException {
        CheckpointStore store = new CheckpointStore(dir, 2);
        for (long step = 1; step <= 4; step++) {
            store.save(CheckpointFixtures.checkpoint(policy, step, Map.of()));
        }
        assertEquals(List.of("step-0000000003", "step-0000000004"), fileNames(store.list()));

        store.save(CheckpointFixtures.checkpoint(policy, 2, Map.of())); // e.g. a re-run from an older state
        assertEquals(List.of("step-0000000002", "step-0000000003", "step-0000000004"), fileNames(store.list()));

        store.save(CheckpointFixtures.checkpoint(policy, 5, Map.of()));
        assertEquals(List.of("step-0000000004", "step-0000000005"), fileNames(store.list()));
        assertEquals(List.of("step-0000000004", "step-0000000005"), names(dir), "no leftovers");
        assertEquals(Optional.of(dir.resolve("step-0000000005")), store.newest());
    }

    @Test
    void savingAStepAgainReplacesIt() throws IOException {
        CheckpointStore store = new CheckpointStore(dir, 5);
        store.save(CheckpointFixtures.checkpoint(policy, 3, Map.of("attempt", "first")));
        store.save(CheckpointFixtures.checkpoint(policy, 3, Map.of("attempt", "second")));
        assertEquals(List.of("step-0000000003"), names(dir));
        assertEquals(Map.of("attempt", "second"), store.loadNewest().orElseThrow().extra());
    }

    @Test
    void anEmptyOrAbsentStoreHasNothing() throws IOException {
        CheckpointStore store = new CheckpointStore(dir.resolve("not-yet"), 1);
        assertEquals(List.of(), store.list());
        assertEquals(Optional.empty(), store.newest());
        assertEquals(Optional.empty(), store.loadNewest());
        assertThrows(IllegalArgumentException.class, () -> new CheckpointStore(dir, 0));
    }

    @Test
    void restoringIntoAPolicyOfAnotherConfigIsRefused() throws IOException {
        Checkpoint checkpoint = Checkpoint.capture(policy, 1, 1, null, 0, Map.of());
        PolicyConfig tiny = TestPolicies.TINY;
        PolicyConfig moreHeads = new PolicyConfig(tiny.vocabSize(), tiny.width(), tiny.layers(), 8, tiny.contextLength(), 0f);
        try (TransformerPolicy other = TransformerPolicy.create(moreHeads, 1, manager, ai.djl.Device.cpu())) {
            List<?> before = WeightFixtures.parameters(other);
            IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> checkpoint.restoreInto(other));
            assertTrue(error.getMessage().contains("heads=8"), error.getMessage());
            assertEquals(before, WeightFixtures.parameters(other));
        }
        PolicyConfig withDropout = new PolicyConfig(tiny.vocabSize(), tiny.width(), tiny.layers(), tiny.heads(), tiny.contextLength(), 0.1f);
        try (TransformerPolicy training = TransformerPolicy.create(withDropout, 2, manager, ai.djl.Device.cpu())) {
            checkpoint.restoreInto(training); // dropout is not part of the weights
            assertFalse(WeightFixtures.parameters(training).isEmpty());
        }
    }

    static List<String> names(Path directory) throws IOException {
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    static List<String> fileNames(List<Path> paths) {
        return paths.stream().map(p -> p.getFileName().toString()).toList();
    }
}
