package io.sppo4j.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sppo4j.actors.monitor.EvalRecord;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/** When a run is over: the learner finished and its last version was evaluated, or the learner failed. */
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MonitorTest {

    @JUnit5TestKit
    ActorTestKit testKit = new JUnit5TestKitBuilder().withCustomConfig(ActorFixtures.serializingConfig()).build();

    private long seconds(long seconds) {
        return ActorFixtures.patience(testKit.system(), seconds).toMillis();
    }

    @Test
    void aRunCompletesOnceTheLearnerFinishedAndItsLastVersionWasEvaluated() throws Exception {
        CompletableFuture<Monitor.Report> completion = new CompletableFuture<>();
        ActorRef<Monitor.Command> monitor = testKit.spawn(Monitor.create(completion, true));
        monitor.tell(new Monitor.Evaluated(new EvalRecord(10, 5, 0.6, 6, 6, 1)));
        monitor.tell(new Monitor.LearnerFinished(new Monitor.LearnerTotals(20, 10, 320, 1, 2)));
        TestProbe<Monitor.Report> report = testKit.createTestProbe();
        monitor.tell(new Monitor.GetReport(report.ref()));
        assertTrue(report.receiveMessage(ActorFixtures.patience(testKit.system(), 30)).finished());
        assertFalse(completion.isDone(), "v10, the last version, is not evaluated yet");
        monitor.tell(new Monitor.Evaluated(new EvalRecord(20, 10, 0.7, 6, 6, 2)));
        Monitor.Report done = completion.get(seconds(30), TimeUnit.MILLISECONDS);
        assertEquals(18, done.totals().appliedSteps(), "20 steps of which 2 skipped");
        assertEquals(2, done.evals().size());
    }

    @Test
    void aFailedLearnerFailsTheRunWithItsReason() {
        CompletableFuture<Monitor.Report> completion = new CompletableFuture<>();
        ActorRef<Monitor.Command> monitor = testKit.spawn(Monitor.create(completion, true));
        monitor.tell(new Monitor.LearnerFailed("3 of 20 steps (0.150) were skipped"));
        ExecutionException failed = assertThrows(ExecutionException.class,
                () -> completion.get(seconds(30), TimeUnit.MILLISECONDS));
        assertEquals("learner failed: 3 of 20 steps (0.150) were skipped", failed.getCause().getMessage());
    }
}
