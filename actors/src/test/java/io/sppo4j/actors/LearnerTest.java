package io.sppo4j.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.sppo4j.actors.data.Credit;
import io.sppo4j.actors.metrics.PipelineMetrics;
import io.sppo4j.actors.settings.AlgorithmSettings;
import io.sppo4j.actors.settings.LearnerSettings;
import io.sppo4j.model.checkpoint.CheckpointStore;
import io.sppo4j.model.tokenizer.ByteTokenizer;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LearnerTest {

    @JUnit5TestKit
    ActorTestKit testKit = new JUnit5TestKitBuilder().withCustomConfig(ActorFixtures.serializingConfig()).build();

    @TempDir
    Path dir;

    /** The learner with a real weight cache and monitor, driven by probes playing rollout and judge. */
    private final class Harness {
        final TestProbe<Monitor.Command> monitor = testKit.createTestProbe();
        final TestProbe<RolloutWorker.Command> worker = testKit.createTestProbe();
        final TestProbe<Learner.Status> status = testKit.createTestProbe();
        final ActorRef<Learner.Command> learner;

        Harness(LearnerSettings settings, CheckpointStore checkpoints) {
            this(settings, checkpoints, testKit.spawn(ActorFixtures.isolatedCache()));
        }

        Harness(LearnerSettings settings, CheckpointStore checkpoints, ActorRef<WeightCache.Command> sharedCache) {
            PipelineMetrics metrics = ActorFixtures.metrics();
            learner = testKit.spawn(Learner.create(new Learner.Setup(
                    settings, ActorFixtures.ASYNC, ActorFixtures.SORT, ActorFixtures.factory(), ActorFixtures.TINY,
                    Device.cpu(), ActorFixtures.weights(1, 0), checkpoints, AlgorithmSettings.sppo(2f), ByteTokenizer.PAD, 7, 1,
                    metrics.learner(), null), sharedCache, monitor.ref()));
        }

        Learner.Status status() {
            learner.tell(new Learner.GetStatus(status.ref()));
            return status.receiveMessage(Duration.ofSeconds(30));
        }

        List<Credit> request(int wanted) {
            learner.tell(new Learner.RequestCredits(worker.ref(), wanted));
            return worker.expectMessageClass(RolloutWorker.Credits.class, Duration.ofSeconds(30)).credits();
        }

        void answer(Credit credit, long version) {
            learner.tell(new Learner.GroupJudged(ActorFixtures.judged(credit.id(), credit.prompt(), version)));
        }

        Learner.Status awaitStep(long step) {
            Learner.Status[] last = new Learner.Status[1];
            status.awaitAssert(Duration.ofSeconds(60), () -> {
                last[0] = status();
                assertEquals(step, last[0].step());
                return null;
            });
            return last[0];
        }
    }

    @Test
    void creditsNeverExceedTheCapacityUnderASlowLearnerAndAFastRollout() {
        int capacity = 6;
        // Four groups per step and a rollout that answers at once: the learner is the bottleneck.
        Harness harness = new Harness(ActorFixtures.learnerSettings(capacity, 4, 100, 1_000), null);
        Deque<Credit> held = new ArrayDeque<>(harness.request(100));
        assertEquals(capacity, held.size(), "the first grant fills the capacity");
        harness.learner.tell(new Learner.RequestCredits(harness.worker.ref(), 100));
        harness.worker.expectNoMessage(Duration.ofMillis(300));
        long granted = capacity;
        long answered = 0;
        while (answered < 40) {
            if (held.isEmpty()) {
                // Everything answered: credits come back only as steps consume groups.
                List<Credit> more = harness.worker.expectMessageClass(RolloutWorker.Credits.class, Duration.ofSeconds(60))
                        .credits();
                granted += more.size();
                held.addAll(more);
                assertTrue(granted - answered <= capacity,
                        "granted " + granted + " while only " + answered + " groups came back");
            }
            harness.answer(held.poll(), harness.status().version());
            answered++;
            // A fast rollout asks again at once, every time.
            harness.learner.tell(new Learner.RequestCredits(harness.worker.ref(), 100));
            Learner.Status status = harness.status();
            assertTrue(status.inFlight() + status.buffered() <= capacity,
                    "in flight " + status.inFlight() + " + buffered " + status.buffered() + " > capacity " + capacity);
        }
        assertTrue(harness.status().step() >= 5, "the learner kept training");
    }

    @Test
    void staleGroupsAreDroppedAndCounted() {
        Harness harness = new Harness(ActorFixtures.learnerSettings(8, 1, 1, 1_000), null);
        List<Credit> credits = harness.request(3);
        harness.answer(credits.get(0), 0);
        assertEquals(1, harness.awaitStep(1).version());
        harness.answer(credits.get(1), 0); // one version old: within max-staleness 1
        assertEquals(2, harness.awaitStep(2).version());
        harness.answer(credits.get(2), 0); // two versions old: dropped
        harness.status.awaitAssert(Duration.ofSeconds(30), () -> {
            Learner.Status status = harness.status();
            assertEquals(1, status.droppedStale());
            assertEquals(2, status.step());
            assertEquals(0, status.buffered());
            return null;
        });
    }

    @Test
    void aRestartedLearnerResumesFromTheCheckpointWithTheSameVersion() throws Exception {
        CheckpointStore store = new CheckpointStore(dir.resolve("resume"), 3);
        ActorRef<WeightCache.Command> cache = testKit.spawn(ActorFixtures.isolatedCache());
        Harness first = new Harness(ActorFixtures.learnerSettings(8, 1, 100, 2), store, cache);
        List<Credit> credits = first.request(2);
        first.answer(credits.get(0), 0);
        first.answer(credits.get(1), 0);
        first.awaitStep(2);
        first.status.awaitAssert(Duration.ofSeconds(30), () -> {
            assertTrue(store.newest().isPresent(), "checkpoint written at step 2");
            return null;
        });
        testKit.stop(first.learner, Duration.ofSeconds(30));

        Harness second = new Harness(ActorFixtures.learnerSettings(8, 1, 100, 2), store, cache);
        Learner.Status resumed = second.status();
        assertEquals(2, resumed.step());
        assertEquals(2, resumed.version());
        TestProbe<WeightCache.LatestVersion> latest = testKit.createTestProbe();
        cache.tell(new WeightCache.GetLatestVersion(latest.ref()));
        assertEquals(2, latest.receiveMessage().version());
    }

    @Test
    void aResumedLearnerNeverPublishesAVersionOlderThanOneAlreadyOut() throws Exception {
        CheckpointStore store = new CheckpointStore(dir.resolve("ahead"), 3);
        ActorRef<WeightCache.Command> cache = testKit.spawn(ActorFixtures.isolatedCache());
        Harness first = new Harness(ActorFixtures.learnerSettings(8, 1, 100, 2), store, cache);
        List<Credit> credits = first.request(3);
        for (Credit credit : credits) {
            first.answer(credit, 0);
        }
        first.awaitStep(3); // checkpoint at step 2, version 3 already published
        testKit.stop(first.learner, Duration.ofSeconds(30));

        Harness second = new Harness(ActorFixtures.learnerSettings(8, 1, 100, 2), store, cache);
        Learner.Status resumed = second.status();
        assertEquals(2, resumed.step(), "steps resume from the checkpoint");
        assertEquals(4, resumed.version(), "the resumed weights are published above v3");
        TestProbe<WeightCache.LatestVersion> latest = testKit.createTestProbe();
        cache.tell(new WeightCache.GetLatestVersion(latest.ref()));
        assertEquals(4, latest.receiveMessage().version());
    }

    @Test
    void creditsOfAStoppedWorkerAreTakenBack() {
        Harness harness = new Harness(ActorFixtures.learnerSettings(4, 4, 100, 1_000), null);
        TestProbe<RolloutWorker.Command> doomed = testKit.createTestProbe();
        harness.learner.tell(new Learner.RequestCredits(doomed.ref(), 4));
        assertEquals(4, doomed.expectMessageClass(RolloutWorker.Credits.class).credits().size());
        assertEquals(4, harness.status().inFlight());
        doomed.stop();
        harness.status.awaitAssert(Duration.ofSeconds(30), () -> {
            assertEquals(0, harness.status().inFlight());
            return null;
        });
        assertEquals(4, harness.request(4).size(), "the capacity is free again");
    }
}
