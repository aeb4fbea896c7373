package io.sppo4j.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import io.sppo4j.actors.data.Credit;
import io.sppo4j.actors.data.JudgedGroup;
import io.sppo4j.actors.metrics.PipelineMetrics;
import io.sppo4j.actors.settings.AlgorithmConfig;
import io.sppo4j.actors.settings.LearnerSettings;
import io.sppo4j.actors.settings.Schedule;
import io.sppo4j.model.checkpoint.CheckpointStore;

import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * A real learner (tiny policy, sort task) with a real weight cache, driven by probes playing the
 * rollout worker, the judge and the monitor. Every wait is an await with a limit stretched by
 * {@code pekko.test.timefactor}.
 */
final class LearnerHarness {

    final ActorTestKit testKit;
    final PipelineMetrics metrics = ActorFixtures.metrics();
    final TestProbe<Monitor.Command> monitor;
    final TestProbe<RolloutWorker.Command> worker;
    final TestProbe<Learner.Status> status;
    final ActorRef<WeightCache.Command> cache;
    final ActorRef<Learner.Command> learner;

    LearnerHarness(ActorTestKit testKit, LearnerSettings settings, Schedule schedule, CheckpointStore checkpoints,
            ActorRef<WeightCache.Command> cache, AlgorithmConfig algorithm, JudgedGroupSink groupLog) {
        this.testKit = testKit;
        this.monitor = testKit.createTestProbe();
        this.worker = testKit.createTestProbe();
        this.status = testKit.createTestProbe();
        this.cache = cache;
        this.learner = testKit.spawn(Learner.create(new Learner.Setup(
                ActorFixtures.run(algorithm), settings, schedule, Device.cpu(), checkpoints, metrics.learner(), groupLog),
                cache, monitor.ref()));
    }

    /** SPPO on the async schedule, with its own weight cache. */
    static LearnerHarness async(ActorTestKit testKit, LearnerSettings settings, CheckpointStore checkpoints) {
        return new LearnerHarness(testKit, settings, ActorFixtures.ASYNC, checkpoints,
                testKit.spawn(ActorFixtures.isolatedCache()), AlgorithmConfig.sppo(2f), null);
    }

    Duration patience(long seconds) {
        return ActorFixtures.patience(testKit.system(), seconds);
    }

    Learner.Status status() {
        learner.tell(new Learner.GetStatus(status.ref()));
        return status.receiveMessage(patience(30));
    }

    /** Asks for {@code wanted} credits and returns the grant, which must come now. */
    List<Credit> request(int wanted) {
        learner.tell(new Learner.RequestCredits(worker.ref(), wanted));
        return credits();
    }

    /** The next grant to the worker. */
    List<Credit> credits() {
        return worker.expectMessageClass(RolloutWorker.Credits.class, patience(30)).credits();
    }

    /** The judged group of a credit, as sampled by {@code version}. */
    void answer(Credit credit, long version) {
        answer(ActorFixtures.judged(credit.id(), credit.prompt(), version));
    }

    void answer(JudgedGroup group) {
        learner.tell(new Learner.GroupJudged(group));
    }

    /** Waits until the learner has taken {@code step} steps. */
    Learner.Status awaitStep(long step) {
        return awaitStatus(now -> now.step() == step, "step " + step);
    }

    Learner.Status awaitStatus(Predicate<Learner.Status> condition, String what) {
        Learner.Status[] last = new Learner.Status[1];
        status.awaitAssert(patience(60), () -> {
            last[0] = status();
            assertEquals(true, condition.test(last[0]), "awaiting " + what + "; now " + last[0]);
            return null;
        });
        return last[0];
    }

    /** The next message of type {@code type} the monitor receives, skipping others. */
    <T extends Monitor.Command> T monitorMessage(Class<T> type) {
        List<Monitor.Command> fished = monitor.fishForMessage(patience(60), "a " + type.getSimpleName(),
                message -> type.isInstance(message) ? FishingOutcomes.complete() : FishingOutcomes.continueAndIgnore());
        return type.cast(fished.get(fished.size() - 1));
    }

    /** The sum of a counter's points whose {@code label} is {@code value} (every point when label is ""). */
    double counter(String name, String label, String value) {
        return ActorFixtures.counter(metrics, name, label, value);
    }
}
