package io.sppo4j.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sppo4j.actors.data.Credit;
import io.sppo4j.actors.settings.AlgorithmConfig;
import io.sppo4j.actors.settings.LearnerSettings;
import io.sppo4j.actors.settings.Schedule;
import io.sppo4j.actors.settings.SkippedStepBound;
import io.sppo4j.model.checkpoint.CheckpointStore;
import io.sppo4j.model.train.Algorithm;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
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

/** The learner on the paper's iterations schedule, driven message by message. */
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LearnerIterationsTest {

    /** Two iterations over 4 prompts, two epochs of 2 batches of 2 groups each: 4 steps an iteration. */
    private static final Schedule TWO_ITERATIONS = new Schedule(Schedule.Kind.ITERATIONS, 2, 4, 2);

    @JUnit5TestKit
    ActorTestKit testKit = new JUnit5TestKitBuilder().withCustomConfig(ActorFixtures.serializingConfig()).build();

    @TempDir
    Path dir;

    private LearnerHarness harness(CheckpointStore store, ActorRef<WeightCache.Command> cache) {
        return new LearnerHarness(testKit, ActorFixtures.learnerSettings(8, 2, 100, 1_000), TWO_ITERATIONS, store, cache,
                AlgorithmConfig.sppo(2f), null);
    }

    private static Set<String> prompts(List<Credit> credits) {
        Set<String> prompts = new HashSet<>();
        credits.forEach(credit -> prompts.add(credit.prompt()));
        return prompts;
    }

    private static void answerAll(LearnerHarness harness, List<Credit> credits, long version) {
        credits.forEach(credit -> harness.answer(credit, version));
    }

    @Test
    void eachIterationTrainsEpochsPassesOverTheSamePromptSet() {
        LearnerHarness harness = harness(null, testKit.spawn(ActorFixtures.isolatedCache()));
        List<Credit> first = harness.request(8);
        assertEquals(4, first.size(), "one credit per prompt of the set, whatever the capacity");
        answerAll(harness, first, 0);
        Learner.Status iterated = harness.awaitStatus(now -> now.version() == 1, "the first iteration published");
        assertEquals(4, iterated.step(), "2 epochs of 2 batches");
        List<Credit> second = harness.request(8);
        assertEquals(prompts(first), prompts(second), "every iteration deals the same prompt set");
        answerAll(harness, second, 1);
        Monitor.LearnerTotals totals = harness.monitorMessage(Monitor.LearnerFinished.class).totals();
        assertEquals(new Monitor.LearnerTotals(8, 2, 8 * 2 * 3, 0, 0), totals,
                "8 steps of 2 groups of K = 3; one version per iteration");
    }

    @Test
    void aStaleGroupsPromptIsDealtAgain() {
        LearnerHarness harness = harness(null, testKit.spawn(ActorFixtures.isolatedCache()));
        answerAll(harness, harness.request(8), 0);
        harness.awaitStatus(now -> now.version() == 1, "the first iteration published");
        List<Credit> second = harness.request(8);
        Credit stale = second.get(0);
        harness.answer(stale, 0); // sampled by the previous iteration's weights
        harness.awaitStatus(now -> now.droppedStale() == 1, "the stale group dropped");
        List<Credit> again = harness.request(8);
        assertEquals(1, again.size(), "only the stale group's prompt is left to deal");
        assertEquals(stale.prompt(), again.get(0).prompt());
        answerAll(harness, second.subList(1, 4), 1);
        harness.answer(again.get(0), 1);
        assertEquals(8, harness.monitorMessage(Monitor.LearnerFinished.class).totals().step());
    }

    @Test
    void aTimedOutCreditsPromptIsDealtAgainAndItsLateGroupIsRefused() {
        LearnerSettings settings = ActorFixtures.learnerSettings(8, 2, 100, 1_000, Duration.ofMillis(500),
                SkippedStepBound.DEFAULT);
        LearnerHarness harness = new LearnerHarness(testKit, settings, TWO_ITERATIONS, null,
                testKit.spawn(ActorFixtures.isolatedCache()), AlgorithmConfig.sppo(2f), null);
        // Three prompts answered before the fourth is even dealt, so only the fourth's credit can time out.
        List<Credit> answered = harness.request(3);
        answerAll(harness, answered, 0);
        Credit lost = harness.request(8).get(0);
        harness.awaitStatus(now -> now.inFlight() == 0, "the unanswered credit taken back");

        // The lost group turns up after all. Its prompt is back in the set to deal, so taking the
        // group would count that prompt twice and train before the set is dealt again.
        harness.answer(lost, 0);
        Learner.Status after = harness.status(); // answered after the late group, before any step it could cause
        assertEquals(3, after.buffered(), "the late group was refused: " + after);
        assertEquals(0, after.step());
        assertEquals(0, after.droppedStale(), "refused as late, not counted as stale");

        List<Credit> again = harness.request(8);
        assertEquals(1, again.size(), "only the lost credit's prompt is left to deal");
        assertEquals(lost.prompt(), again.get(0).prompt(), "the iteration's prompt set stays whole");
        harness.answer(again.get(0), 0);
        assertEquals(4, harness.awaitStatus(now -> now.version() == 1, "the first iteration published").step(),
                "2 epochs of 2 batches over the 4 prompts");
    }

    @Test
    void aLearnerResumedMidIterationDealsThatIterationAgainAndFinishesOnCount() {
        CheckpointStore store = new CheckpointStore(dir.resolve("mid-iteration"), 3);
        ActorRef<WeightCache.Command> cache = testKit.spawn(ActorFixtures.isolatedCache());
        LearnerHarness first = harness(store, cache);
        answerAll(first, first.request(8), 0);
        first.awaitStatus(now -> now.version() == 1, "the first iteration published");
        List<Credit> second = first.request(8);
        answerAll(first, second.subList(0, 2), 1); // half of the second iteration's groups
        first.awaitStatus(now -> now.buffered() == 2, "two groups of the second iteration in");
        TestProbe<Void> watcher = testKit.createTestProbe();
        first.learner.tell(Learner.Handover.INSTANCE);
        watcher.expectTerminated(first.learner, first.patience(30));

        LearnerHarness resumed = harness(store, cache);
        Learner.Status status = resumed.status();
        assertEquals(4, status.step());
        assertEquals(1, status.version());
        List<Credit> dealtAgain = resumed.request(8);
        assertEquals(prompts(second), prompts(dealtAgain), "the whole second iteration is dealt again");
        answerAll(resumed, dealtAgain, 1);
        Learner.Status end = resumed.awaitStatus(now -> now.version() == 2, "the second iteration published");
        assertTrue(end.finished(), "the second iteration was the last: " + end);
        Monitor.LearnerTotals totals = resumed.monitorMessage(Monitor.LearnerFinished.class).totals();
        assertEquals(8, totals.step(), "two iterations in all, not two more");
        assertEquals(2, totals.version());
    }

    @Test
    void aLearnerThatSkipsPastItsBoundFailsTheRun() {
        LearnerSettings settings = ActorFixtures.learnerSettings(8, 2, 100, 1_000, Duration.ofSeconds(60),
                new SkippedStepBound(0.0, 1));
        LearnerHarness harness = new LearnerHarness(testKit, settings, TWO_ITERATIONS, null,
                testKit.spawn(ActorFixtures.isolatedCache()), new AlgorithmConfig(Algorithm.DPO, 2f, 0.1f, 0.125f), null);
        for (Credit credit : harness.request(8)) {
            harness.answer(ActorFixtures.tied(credit.id(), credit.prompt(), 0));
        }
        Monitor.LearnerFailed failed = harness.monitorMessage(Monitor.LearnerFailed.class);
        assertTrue(failed.reason().startsWith("1 of 1 steps (1.000) were skipped"), failed.reason());
        testKit.createTestProbe().expectTerminated(harness.learner, harness.patience(30));
    }
}
