package io.sppo4j.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sppo4j.actors.data.Credit;
import io.sppo4j.actors.monitor.StepRecord;
import io.sppo4j.actors.settings.AlgorithmConfig;
import io.sppo4j.actors.settings.LearnerSettings;
import io.sppo4j.actors.settings.SkippedStepBound;
import io.sppo4j.model.train.Algorithm;

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

/** The learner on the async schedule: credits, staleness, time-outs and skipped steps. */
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LearnerTest {

    @JUnit5TestKit
    ActorTestKit testKit = new JUnit5TestKitBuilder().withCustomConfig(ActorFixtures.serializingConfig()).build();

    @Test
    void creditsNeverExceedTheCapacityUnderASlowLearnerAndAFastRollout() {
        int capacity = 6;
        // Four groups per step and a rollout that answers at once: the learner is the bottleneck.
        LearnerHarness harness = LearnerHarness.async(testKit, ActorFixtures.learnerSettings(capacity, 4, 100, 1_000), null);
        Deque<Credit> held = new ArrayDeque<>(harness.request(100));
        assertEquals(capacity, held.size(), "the first grant fills the capacity");
        harness.learner.tell(new Learner.RequestCredits(harness.worker.ref(), 100));
        // Once the learner has answered a status request sent after the request for credits, it has
        // handled that request, and any grant it made is already in the worker's mailbox (one
        // local system: a message is enqueued when sent). No grant may be there: a check that does
        // not depend on how long a wait the machine's speed allows.
        harness.status();
        harness.worker.expectNoMessage(Duration.ofMillis(100));
        long granted = capacity;
        long answered = 0;
        while (answered < 40) {
            if (held.isEmpty()) {
                // Everything answered: credits come back only as steps consume groups.
                List<Credit> more = harness.credits();
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
        LearnerHarness harness = LearnerHarness.async(testKit, ActorFixtures.learnerSettings(8, 1, 1, 1_000), null);
        List<Credit> credits = harness.request(3);
        harness.answer(credits.get(0), 0);
        assertEquals(1, harness.awaitStep(1).version());
        harness.answer(credits.get(1), 0); // one version old: within max-staleness 1
        assertEquals(2, harness.awaitStep(2).version());
        harness.answer(credits.get(2), 0); // two versions old: dropped
        Learner.Status status = harness.awaitStatus(now -> now.droppedStale() == 1, "one group dropped");
        assertEquals(2, status.step());
        assertEquals(0, status.buffered());
        assertEquals(1.0, harness.counter("sppo_learner_dropped_stale_groups", "", ""));
    }

    @Test
    void creditsOfAStoppedWorkerAreTakenBack() {
        LearnerHarness harness = LearnerHarness.async(testKit, ActorFixtures.learnerSettings(4, 4, 100, 1_000), null);
        TestProbe<RolloutWorker.Command> doomed = testKit.createTestProbe();
        harness.learner.tell(new Learner.RequestCredits(doomed.ref(), 4));
        assertEquals(4, doomed.expectMessageClass(RolloutWorker.Credits.class, harness.patience(30)).credits().size());
        assertEquals(4, harness.status().inFlight());
        doomed.stop();
        harness.awaitStatus(now -> now.inFlight() == 0, "the stopped worker's credits back");
        assertEquals(4, harness.request(4).size(), "the capacity is free again");
    }

    @Test
    void creditsWhoseGroupsAStoppedJudgeHadAreTakenBackAtOnce() {
        LearnerHarness harness = LearnerHarness.async(testKit, ActorFixtures.learnerSettings(4, 4, 100, 1_000,
                Duration.ofMinutes(10), SkippedStepBound.DEFAULT), null);
        TestProbe<RolloutWorker.Command> worker = testKit.createTestProbe();
        TestProbe<JudgeWorker.Command> judge = testKit.createTestProbe();
        harness.learner.tell(new Learner.RequestCredits(worker.ref(), 3));
        List<Credit> credits = worker.expectMessageClass(RolloutWorker.Credits.class, harness.patience(30)).credits();
        harness.learner.tell(new Learner.Judging(credits.get(0).id(), judge.ref()));
        harness.learner.tell(new Learner.Judging(credits.get(1).id(), judge.ref()));
        // The worker stops: the credit it still held comes back; the two the judge has stay out.
        worker.stop();
        harness.awaitStatus(now -> now.inFlight() == 2, "the worker's one credit back");
        // The judge stops (its node crashed) before answering: its credits come back now, not at the 10-minute time-out.
        judge.stop();
        harness.awaitStatus(now -> now.inFlight() == 0, "the stopped judge's credits back");
        assertEquals(3.0, harness.counter("sppo_learner_reclaimed_credits", "", ""));
    }

    /** Capacity 2, one group a step, and credits unanswered for 500 ms taken back. */
    private LearnerHarness creditsTimingOutAfterHalfASecond() {
        LearnerSettings settings = ActorFixtures.learnerSettings(2, 1, 100, 1_000, Duration.ofMillis(500),
                SkippedStepBound.DEFAULT);
        return LearnerHarness.async(testKit, settings, null);
    }

    @Test
    void creditsUnansweredPastTheTimeOutAreTakenBackAndALateGroupOnlyFillsFreeRoom() {
        LearnerHarness harness = creditsTimingOutAfterHalfASecond();
        List<Credit> lost = harness.request(2);
        assertEquals(2, harness.status().inFlight());
        // Nobody answers: the learner's tick takes them back once they are older than the time-out.
        harness.awaitStatus(now -> now.inFlight() == 0, "the unanswered credits taken back");
        assertEquals(2.0, harness.counter("sppo_learner_reclaimed_credits", "", ""));

        // A group whose credit was taken back is still welcome while there is room for it...
        harness.answer(lost.get(0), 0);
        assertEquals(1, harness.awaitStep(1).version());
        // ...but not once new credits fill the capacity: it would push the learner past its bound.
        List<Credit> fresh = harness.request(2);
        assertEquals(2, fresh.size());
        harness.answer(lost.get(1), 0);
        Learner.Status after = harness.status(); // answered after the late group, before any step it could cause
        assertEquals(0, after.buffered(), "the late group was refused: " + after);
        assertEquals(1, after.step());
        assertEquals(2, after.inFlight(), "the fresh credits are still out");
        harness.answer(fresh.get(0), 1);
        assertEquals(2, harness.awaitStep(2).step());
    }

    @Test
    void aWorkerWaitingForRoomIsGrantedTheCreditsTakenBackAtTheTimeOut() {
        LearnerHarness harness = creditsTimingOutAfterHalfASecond();
        List<Credit> lost = harness.request(2);
        // The capacity is out: this request waits for room. No group, no return, no other
        // worker's request will come, so only the learner's tick can answer it.
        harness.learner.tell(new Learner.RequestCredits(harness.worker.ref(), 2));
        assertEquals(2, harness.status().inFlight(), "the second request waits");
        List<Credit> granted = harness.credits();
        assertEquals(2, granted.size(), "the room the time-out freed goes to the waiting worker");
        assertTrue(granted.stream().noneMatch(credit -> lost.stream().anyMatch(old -> old.id() == credit.id())),
                "new credits, not the lost ones: " + granted + " after " + lost);
        assertEquals(2.0, harness.counter("sppo_learner_reclaimed_credits", "", ""));
    }

    @Test
    void aStepWithNothingToLearnFromIsSkippedCountedAndRecorded() {
        LearnerHarness harness = new LearnerHarness(testKit, ActorFixtures.learnerSettings(4, 1, 100, 1_000),
                ActorFixtures.ASYNC, null, testKit.spawn(ActorFixtures.isolatedCache()),
                new AlgorithmConfig(Algorithm.DPO, 2f, 0.1f, 0.125f), null);
        List<Credit> credits = harness.request(2);
        harness.answer(ActorFixtures.tied(credits.get(0).id(), credits.get(0).prompt(), 0)); // no pair: skipped
        StepRecord skipped = harness.monitorMessage(Monitor.Stepped.class).record();
        assertEquals(1, skipped.step());
        assertEquals(1, skipped.skippedSteps());
        harness.answer(credits.get(1), 1); // a separable group: applied
        StepRecord applied = harness.monitorMessage(Monitor.Stepped.class).record();
        assertEquals(2, applied.step());
        assertEquals(1, applied.skippedSteps(), "the count holds; this step was applied");
        assertEquals(1, harness.awaitStep(2).skippedSteps());
        assertEquals(1.0, harness.counter("sppo_learner_skipped_steps", "cause", "no_pairs"));
        assertEquals(1.0, harness.counter("sppo_learner_steps", "", ""), "only the applied step counts as taken");
    }

    @Test
    void aNonFiniteGradientSkipsTheUpdateAndLeavesTheWeightsAsTheyWere() {
        LearnerHarness harness = LearnerHarness.async(testKit, ActorFixtures.learnerSettings(4, 1, 100, 1_000), null);
        TestProbe<WeightCache.Update> published = testKit.createTestProbe();
        harness.cache.tell(new WeightCache.Subscribe(published.ref()));
        WeightCache.Update initial = published.receiveMessage(harness.patience(30));
        Credit credit = harness.request(1).get(0);
        harness.answer(ActorFixtures.overflowing(credit.id(), credit.prompt(), 0));
        assertEquals(1, harness.awaitStep(1).skippedSteps());
        assertEquals(1.0, harness.counter("sppo_learner_skipped_steps", "cause", "non_finite_gradient"));
        WeightCache.Update after = published.receiveMessage(harness.patience(30));
        assertEquals(1, after.version());
        assertEquals(initial.snapshot().tensors(), after.snapshot().tensors(), "a skipped step leaves every weight as it was");
    }

    @Test
    void aRunSkippingMoreThanItsBoundStopsNamingTheFractionAndTheBound() {
        LearnerSettings settings = ActorFixtures.learnerSettings(4, 1, 100, 1_000, Duration.ofSeconds(60),
                new SkippedStepBound(0.5, 2));
        LearnerHarness harness = new LearnerHarness(testKit, settings, ActorFixtures.ASYNC, null,
                testKit.spawn(ActorFixtures.isolatedCache()), new AlgorithmConfig(Algorithm.DPO, 2f, 0.1f, 0.125f), null);
        TestProbe<Void> watcher = testKit.createTestProbe();
        List<Credit> credits = harness.request(3);
        harness.answer(ActorFixtures.tied(credits.get(0).id(), credits.get(0).prompt(), 0));
        assertEquals(1, harness.awaitStep(1).skippedSteps(), "below the bound's minimum step count: training goes on");
        harness.answer(ActorFixtures.tied(credits.get(1).id(), credits.get(1).prompt(), 1));
        Monitor.LearnerFailed failed = harness.monitorMessage(Monitor.LearnerFailed.class);
        assertTrue(failed.reason().contains("2 of 2 steps (1.000)"), failed.reason());
        assertTrue(failed.reason().contains("sppo4j.learner.max-skipped-fraction = 0.5"), failed.reason());
        watcher.expectTerminated(harness.learner, harness.patience(30));
    }

    /** A learner that is stopped by the test (the weight cache and probes stay). */
    static void stop(ActorTestKit testKit, ActorRef<Learner.Command> learner) {
        testKit.stop(learner, ActorFixtures.patience(testKit.system(), 30));
    }
}
