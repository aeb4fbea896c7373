package io.sppo4j.cluster.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.sppo4j.model.TestPolicies;
import io.sppo4j.model.checkpoint.Checkpoint;
import io.sppo4j.model.checkpoint.CheckpointFencedException;
import io.sppo4j.model.checkpoint.CheckpointStore;
import io.sppo4j.model.hf.HfCausalModel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two learners over one checkpoint directory, each with a fence of its own (as two nodes have):
 * the second takes the directory over only once the first has released it or been silent for
 * the timeout, and from then on the first is refused at write time — its checkpoint never
 * appears — while the journal shows one generation after another, never interleaved.
 */
class CheckpointFenceTest {

    private static final Duration SILENCE = Duration.ofMillis(1500);

    private static NDManager manager;
    private static HfCausalModel policy;

    @TempDir
    Path dir;

    @BeforeAll
    static void setUpPolicy() {
        manager = NDManager.newBaseManager();
        policy = TestPolicies.tiny(manager, 1);
    }

    @AfterAll
    static void tearDown() {
        policy.close();
        manager.close();
    }

    @Test
    void aSupersededLearnerIsRefusedAtWriteTimeAndToldItLost() throws Exception {
        // Two machines' clocks, far apart: each fence times the other's silence on its own clock only.
        TestClock clock = new TestClock();
        CheckpointFence first = new CheckpointFence(dir, clock.startingAt(0));
        CheckpointFence second = new CheckpointFence(dir, clock.startingAt(7_000_000_000_000L));
        AtomicInteger firstLost = new AtomicInteger();
        assertTrue(first.tryAcquire("a", SILENCE, firstLost::incrementAndGet));
        CheckpointStore firstStore = new CheckpointStore(dir, 5, first);
        CheckpointStore secondStore = new CheckpointStore(dir, 5, second);
        firstStore.save(checkpoint(10));

        // While the holder beats, the standby never sees it silent for the timeout, however long
        // that goes on (four beats a third of the timeout apart outlast the timeout itself).
        second.observe();
        for (int i = 0; i < 4; i++) {
            clock.advance(SILENCE.dividedBy(3));
            assertTrue(first.beat());
            assertFalse(second.tryAcquire("b", SILENCE, () -> {}), "a beating holder keeps the directory (beat " + i + ")");
        }
        // The holder freezes (no beat): silent for a moment less than the timeout it keeps the
        // directory; silent for the timeout, the standby takes over.
        second.observe();
        clock.advance(SILENCE.minusMillis(1));
        assertFalse(second.tryAcquire("b", SILENCE, () -> {}), "silent for less than the timeout");
        clock.advance(Duration.ofMillis(1));
        assertTrue(second.tryAcquire("b", SILENCE, () -> {}), "silent for the timeout");
        assertEquals(2L, second.heldGeneration().orElseThrow());
        secondStore.save(checkpoint(12));

        // The frozen learner wakes and writes: refused, nothing visible, and it learns it lost.
        CheckpointFencedException refused = assertThrows(CheckpointFencedException.class,
                () -> firstStore.save(checkpoint(20)));
        assertTrue(refused.getMessage().contains("generation 1 of a was superseded")
                && refused.getMessage().contains("names generation 2 of b"), refused.getMessage());
        assertFalse(Files.exists(dir.resolve("step-0000000020")), "the refused checkpoint is not in place");
        assertEquals(List.of(dir.resolve("step-0000000010"), dir.resolve("step-0000000012")), firstStore.list());
        assertEquals(1, first.refusedCommits());
        assertEquals(1, firstLost.get(), "the superseded holder is told, once");
        assertFalse(first.beat(), "and beats no more");
        assertEquals(List.of("generation=1 owner=a step=10", "generation=2 owner=b step=12"), journal());
    }

    @Test
    void aReleasedLearnerWritesItsHandOverCheckpointUntilASuccessorTakesOver() throws Exception {
        CheckpointFence first = new CheckpointFence(dir);
        CheckpointFence second = new CheckpointFence(dir);
        assertTrue(first.tryAcquire("a", SILENCE, () -> {}));
        CheckpointStore firstStore = new CheckpointStore(dir, 5, first);
        assertTrue(first.release("a"));
        // Pekko releases the lease as the singleton starts to stop; its stop message checkpoints after.
        firstStore.save(checkpoint(7));
        // A released directory is free at once: no waiting for a timeout.
        second.observe();
        assertTrue(second.tryAcquire("b", Duration.ofHours(1), () -> {}));
        assertThrows(CheckpointFencedException.class, () -> firstStore.save(checkpoint(8)));
        assertEquals(List.of("generation=1 owner=a step=7"), journal());
    }

    @Test
    void aNodeThatNeverHeldTheDirectoryCannotWriteIt() throws Exception {
        CheckpointStore store = new CheckpointStore(dir, 5, new CheckpointFence(dir));
        CheckpointFencedException refused = assertThrows(CheckpointFencedException.class, () -> store.save(checkpoint(1)));
        assertTrue(refused.getMessage().contains("does not hold"), refused.getMessage());
        assertTrue(store.list().isEmpty());
    }

    @Test
    void aDamagedLeaseFileIsReportedNotOverwritten() throws Exception {
        Files.writeString(dir.resolve(CheckpointFence.LEASE_FILE), "generation=x\n");
        IOException error = assertThrows(IOException.class, () -> new CheckpointFence(dir).tryAcquire("a", SILENCE, () -> {}));
        assertTrue(error.getMessage().contains(CheckpointFence.LEASE_FILE), error.getMessage());
        assertEquals("generation=x\n", Files.readString(dir.resolve(CheckpointFence.LEASE_FILE)));
    }

    /** Time that moves only when the test says: the fences' waits take no wall-clock time and cannot race a loaded machine. */
    private static final class TestClock {
        private final AtomicLong elapsed = new AtomicLong();

        /** A machine's {@code System.nanoTime()}: its own origin, moving with this clock. */
        LongSupplier startingAt(long origin) {
            return () -> origin + elapsed.get();
        }

        void advance(Duration duration) {
            elapsed.addAndGet(duration.toNanos());
        }
    }

    private List<String> journal() throws IOException {
        return Files.readAllLines(dir.resolve(CheckpointFence.JOURNAL_FILE)).stream()
                .map(line -> line.substring(0, line.indexOf(" time="))).toList();
    }

    private static Checkpoint checkpoint(long step) {
        return Checkpoint.capture(policy, step, step, null, 1, Map.of());
    }
}
