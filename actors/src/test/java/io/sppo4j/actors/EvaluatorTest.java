package io.sppo4j.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.sppo4j.actors.monitor.EvalRecord;
import io.sppo4j.actors.settings.AlgorithmConfig;
import io.sppo4j.actors.settings.EvalSettings;
import io.sppo4j.model.config.EffectiveConfig;
import io.sppo4j.model.judge.http.HttpJudgeSettings;
import io.sppo4j.model.judge.http.HttpPairwiseJudge;
import io.sppo4j.model.sampling.SamplingConfig;
import io.sppo4j.model.task.JudgedTask;
import io.sppo4j.model.task.Task;

import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EvaluatorTest {

    @JUnit5TestKit
    ActorTestKit testKit = new JUnit5TestKitBuilder().withCustomConfig(ActorFixtures.withOneThreadDispatcher()).build();

    private Duration patience(long seconds) {
        return ActorFixtures.patience(testKit.system(), seconds);
    }

    /** Answers every string reference it is sent, from the one-thread dispatcher. */
    private static Behavior<ActorRef<String>> echo() {
        return Behaviors.receiveMessage(replyTo -> {
            replyTo.tell("pong");
            return Behaviors.same();
        });
    }

    private ActorRef<WeightCache.Update> evaluator(Task task, TestProbe<Monitor.Command> monitor) {
        TestProbe<WeightCache.Command> cache = testKit.createTestProbe();
        Evaluator.Setup setup = new Evaluator.Setup(ActorFixtures.run(task, AlgorithmConfig.sppo(2f)),
                new EvalSettings(1, 4, 4), 1, SamplingConfig.ancestral(6), Device.cpu(), ActorFixtures.metrics().eval());
        testKit.spawn(Evaluator.create(setup, cache.ref(), monitor.ref()), "evaluator-" + System.nanoTime(),
                DispatcherSelector.fromConfig(ActorFixtures.ONE_THREAD));
        return cache.expectMessageClass(WeightCache.Subscribe.class, patience(30)).subscriber();
    }

    @Test
    void anEvaluationWaitingOnASlowHttpJudgeDoesNotHoldTheComputeThread() throws Exception {
        try (RecoveringChatServer server = new RecoveringChatServer();
                HttpPairwiseJudge judge = new HttpPairwiseJudge(HttpJudgeSettings.from(EffectiveConfig.load(List.of(), List.of(
                        "sppo4j.judge.http.base-url=\"" + server.baseUrl() + "\"", "sppo4j.judge.http.logprobs=false"))),
                        ActorFixtures.metrics().judge().httpObserver(), variable -> null)) {
            server.recover();
            server.holdAnswers();
            TestProbe<Monitor.Command> monitor = testKit.createTestProbe();
            ActorRef<WeightCache.Update> weights = evaluator(new JudgedTask(ActorFixtures.SORT, judge), monitor);
            ActorRef<ActorRef<String>> neighbour = testKit.spawn(echo(), "neighbour", DispatcherSelector.fromConfig(ActorFixtures.ONE_THREAD));
            try {
                weights.tell(new WeightCache.Update(ActorFixtures.weights(5, 1), 1, false));
                assertTrue(server.awaitHeldRequest(patience(60)), "the evaluator asked the judge");
                // The judge's server holds its answer; the dispatcher's only thread must still serve others.
                TestProbe<String> pong = testKit.createTestProbe();
                neighbour.tell(pong.ref());
                assertEquals("pong", pong.receiveMessage(patience(30)));
            } finally {
                server.releaseAnswers();
            }
            EvalRecord evaluated = monitor.expectMessageClass(Monitor.Evaluated.class, patience(60)).record();
            assertEquals(1, evaluated.version());
            assertTrue(evaluated.winRate() >= 0 && evaluated.winRate() <= 1, "win rate " + evaluated.winRate());
        }
    }

    @Test
    void aVersionAlreadyEvaluatedIsNotEvaluatedAgainWhenItComesBackAsTheLast() {
        TestProbe<Monitor.Command> monitor = testKit.createTestProbe();
        ActorRef<WeightCache.Update> weights = evaluator(ActorFixtures.SORT, monitor);
        weights.tell(new WeightCache.Update(ActorFixtures.weights(5, 1), 1, false));
        assertEquals(1, monitor.expectMessageClass(Monitor.Evaluated.class, patience(60)).record().version());
        // The learner marks its final version by publishing it again; the cache passes that on.
        weights.tell(new WeightCache.Update(ActorFixtures.weights(5, 1), 1, true));
        weights.tell(new WeightCache.Update(ActorFixtures.weights(6, 2), 2, true));
        assertEquals(2, monitor.expectMessageClass(Monitor.Evaluated.class, patience(60)).record().version(),
                "the next evaluation is of version 2: version 1 has one row in the curves, not two");
    }
}
