package io.sppo4j.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sppo4j.actors.data.Credit;
import io.sppo4j.actors.settings.LearnerSettings;
import io.sppo4j.model.checkpoint.Checkpoint;
import io.sppo4j.model.checkpoint.CheckpointStore;
import io.sppo4j.model.optim.RmsPropConfig;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/** The learner stopping and starting again: checkpoints, resume, handover and damaged checkpoints. */
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LearnerRecoveryTest {

    @JUnit5TestKit
    ActorTestKit testKit = new JUnit5TestKitBuilder().withCustomConfig(ActorFixtures.serializingConfig()).build();

    @TempDir
    Path dir;

    /** Every version a cache publishes, by number. */
    private Map<Long, WeightCache.Update> subscribe(LearnerHarness harness, TestProbe<WeightCache.Update> probe) {
        harness.cache.tell(new WeightCache.Subscribe(probe.ref()));
        return new HashMap<>();
    }

    private static WeightCache.Update awaitVersion(
            TestProbe<WeightCache.Update> probe, Map<Long, WeightCache.Update> seen, long version, LearnerHarness harness) {
        while (!seen.containsKey(version)) {
            WeightCache.Update update = probe.receiveMessage(harness.patience(30));
            seen.put(update.version(), update);
        }
        return seen.get(version);
    }

    /** Both optimisers' state goes through the learner's checkpoint store (the paper's recipe uses RMSProp). */
    @ParameterizedTest
    @ValueSource(strings = {"adamw", "rmsprop"})
    void aResumedLearnerContinuesExactlyWhereTheSavedOneStood(String optimizer) {
        CheckpointStore store = new CheckpointStore(dir.resolve("exact-" + optimizer), 3);
        LearnerSettings settings = optimizer.equals("adamw")
                ? ActorFixtures.learnerSettings(8, 1, 1, 3)
                : ActorFixtures.withOptimizer(ActorFixtures.learnerSettings(8, 1, 1, 3),
                        new RmsPropConfig(1e-3f, 0.99f, 1e-8f, 0f, 1f));
        // Checkpoint at step 3; a group one version old is kept, two versions old is dropped.
        LearnerHarness first = LearnerHarness.async(testKit, settings, store);
        TestProbe<WeightCache.Update> firstVersions = testKit.createTestProbe();
        Map<Long, WeightCache.Update> firstSeen = subscribe(first, firstVersions);
        List<Credit> credits = first.request(5);
        first.answer(credits.get(0), 0);
        first.awaitStep(1);
        first.answer(credits.get(1), 0);
        first.awaitStep(2);
        first.answer(credits.get(2), 0); // two versions old: dropped
        first.awaitStatus(now -> now.droppedStale() == 1, "a group dropped");
        first.answer(credits.get(3), 2);
        first.awaitStep(3); // checkpoint here
        first.answer(credits.get(4), 3);
        first.awaitStep(4);
        WeightCache.Update savedWeights = awaitVersion(firstVersions, firstSeen, 3, first);
        WeightCache.Update nextWeights = awaitVersion(firstVersions, firstSeen, 4, first);
        LearnerTest.stop(testKit, first.learner);

        // A new learner, with a cache of its own: everything it knows comes from the checkpoint.
        LearnerHarness second = LearnerHarness.async(testKit, settings, store);
        TestProbe<WeightCache.Update> secondVersions = testKit.createTestProbe();
        Map<Long, WeightCache.Update> secondSeen = subscribe(second, secondVersions);
        Learner.Status resumed = second.status();
        assertEquals(new Learner.Status(3, 3, 9, 0, 0, 1, 0, false), resumed,
                "step, version, samples (3 steps of K = 3) and drops of the checkpoint");
        assertEquals(savedWeights.snapshot().tensors(), awaitVersion(secondVersions, secondSeen, 3, second).snapshot().tensors(),
                "the weights of step 3, bit for bit");

        // The prompt stream goes on from the checkpoint's position: the sixth prompt of the seed's stream.
        PromptDispenser stream = new PromptDispenser(ActorFixtures.SORT, 7, 0);
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            expected.add(stream.next());
        }
        assertEquals(expected.subList(0, 5), credits.stream().map(Credit::prompt).toList());
        Credit next = second.request(1).get(0);
        assertEquals(expected.get(5), next.prompt());

        // The same group as the first learner's step 4 gives the same weights, bit for bit: the
        // optimiser's moments and step count were restored, not started afresh.
        second.answer(ActorFixtures.judged(next.id(), credits.get(4).prompt(), 3));
        second.awaitStep(4);
        assertEquals(nextWeights.snapshot().tensors(), awaitVersion(secondVersions, secondSeen, 4, second).snapshot().tensors(),
                "step 4 after the resume equals step 4 without one");
    }

    @Test
    void aResumedLearnerNeverPublishesAVersionOlderThanOneAlreadyOut() {
        CheckpointStore store = new CheckpointStore(dir.resolve("ahead"), 3);
        ActorRef<WeightCache.Command> cache = testKit.spawn(ActorFixtures.isolatedCache());
        LearnerHarness first = shared(store, cache);
        TestProbe<WeightCache.Update> versions = testKit.createTestProbe();
        Map<Long, WeightCache.Update> seen = subscribe(first, versions);
        List<Credit> credits = first.request(3);
        for (Credit credit : credits) {
            first.answer(credit, 0);
        }
        first.awaitStep(3); // checkpoint at step 2, version 3 already published
        WeightCache.Update checkpointed = awaitVersion(versions, seen, 2, first);
        WeightCache.Update newest = awaitVersion(versions, seen, 3, first);
        LearnerTest.stop(testKit, first.learner);

        LearnerHarness second = shared(store, cache);
        Learner.Status resumed = second.status();
        // Step, samples (2 steps of K = 3) and drops come from the checkpoint; only the version moves on.
        assertEquals(new Learner.Status(2, 4, 6, 0, 0, 0, 0, false), resumed,
                "the checkpoint's step 2, published as v4 above the v3 already out");
        TestProbe<WeightCache.LatestVersion> latest = testKit.createTestProbe();
        cache.tell(new WeightCache.GetLatestVersion(latest.ref()));
        assertEquals(4, latest.receiveMessage(second.patience(30)).version());
        // v4 carries the checkpoint's weights (those of v2), not v3's nor fresh ones.
        WeightCache.Update republished = awaitVersion(versions, seen, 4, second);
        assertEquals(checkpointed.snapshot().tensors(), republished.snapshot().tensors(), "v4 is step 2's weights, bit for bit");
        assertTrue(!newest.snapshot().tensors().equals(republished.snapshot().tensors()), "and not step 3's");
        assertEquals(2, republished.step());
    }

    private LearnerHarness shared(CheckpointStore store, ActorRef<WeightCache.Command> cache) {
        return new LearnerHarness(testKit, ActorFixtures.learnerSettings(8, 1, 100, 2), ActorFixtures.ASYNC, store, cache,
                io.sppo4j.actors.settings.AlgorithmConfig.sppo(2f), null);
    }

    @Test
    void aHandoverCheckpointsAtThisVeryStepThenStops() throws IOException {
        CheckpointStore store = new CheckpointStore(dir.resolve("handover"), 3);
        // No periodic checkpoint before step 1,000: only the handover writes one.
        LearnerHarness first = LearnerHarness.async(testKit, ActorFixtures.learnerSettings(8, 1, 100, 1_000), store);
        List<Credit> credits = first.request(3);
        for (Credit credit : credits) {
            first.answer(credit, first.status().version());
        }
        first.awaitStep(3);
        TestProbe<Void> watcher = testKit.createTestProbe();
        first.learner.tell(Learner.Handover.INSTANCE);
        watcher.expectTerminated(first.learner, first.patience(30));

        Checkpoint saved = store.loadNewest().orElseThrow(() -> new AssertionError("the handover wrote no checkpoint"));
        assertEquals(3, saved.step());
        assertEquals(3, saved.version());
        assertEquals("9", saved.extra().get(LearnerProgress.SAMPLES));
        LearnerHarness next = LearnerHarness.async(testKit, ActorFixtures.learnerSettings(8, 1, 100, 1_000), store);
        assertEquals(3, next.status().step(), "the next learner resumes from the handover's step");
    }

    @Test
    void aDamagedNewestCheckpointFallsBackToThePreviousOneAndNoIntactOneFailsTheRunInOneLine() throws IOException {
        CheckpointStore store = new CheckpointStore(dir.resolve("damaged"), 3);
        LearnerHarness first = LearnerHarness.async(testKit, ActorFixtures.learnerSettings(8, 1, 100, 2), store);
        for (Credit credit : first.request(4)) {
            first.answer(credit, first.status().version());
        }
        first.awaitStep(4);
        first.status.awaitAssert(first.patience(30), () -> {
            try {
                assertEquals(2, store.list().size(), "checkpoints of steps 2 and 4");
            } catch (IOException e) {
                throw new AssertionError(e);
            }
            return null;
        });
        LearnerTest.stop(testKit, first.learner);
        List<Path> checkpoints = store.list();
        flipAByte(checkpoints.get(1).resolve(CheckpointStore.MODEL_FILE));

        LearnerHarness fallback = LearnerHarness.async(testKit, ActorFixtures.learnerSettings(8, 1, 100, 2), store);
        assertEquals(2, fallback.status().step(), "resumed from step 2, the newest intact checkpoint");
        assertEquals(1.0, fallback.counter("sppo_learner_damaged_checkpoints", "", ""));
        LearnerTest.stop(testKit, fallback.learner);

        flipAByte(checkpoints.get(0).resolve(CheckpointStore.MODEL_FILE));
        LearnerHarness none = LearnerHarness.async(testKit, ActorFixtures.learnerSettings(8, 1, 100, 2), store);
        Monitor.LearnerFailed failed = none.monitorMessage(Monitor.LearnerFailed.class);
        assertTrue(failed.reason().startsWith("cannot resume: no intact checkpoint in " + store.directory()), failed.reason());
        assertTrue(failed.reason().contains(checkpoints.get(1).resolve(CheckpointStore.MODEL_FILE).toString()),
                "names the newest damaged file: " + failed.reason());
        assertTrue(!failed.reason().contains("\n"), "one line: " + failed.reason());
        testKit.createTestProbe().expectTerminated(none.learner, none.patience(30));
    }

    private static void flipAByte(Path file) throws IOException {
        try (RandomAccessFile data = new RandomAccessFile(file.toFile(), "rw")) {
            long middle = data.length() / 2;
            data.seek(middle);
            int value = data.read();
            data.seek(middle);
            data.write(value ^ 0xFF);
        }
    }
}
