package io.sppo4j.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.sppo4j.actors.data.RolloutGroup;
import io.sppo4j.actors.metrics.JudgeMetrics;
import io.sppo4j.actors.metrics.PipelineMetrics;
import io.sppo4j.actors.settings.AlgorithmConfig;
import io.sppo4j.actors.settings.RolloutSettings;
import io.sppo4j.model.config.EffectiveConfig;
import io.sppo4j.model.judge.JudgeUnavailableException;
import io.sppo4j.model.judge.PreferenceModel;
import io.sppo4j.model.judge.http.HttpJudgeSettings;
import io.sppo4j.model.judge.http.HttpPairwiseJudge;
import io.sppo4j.model.sampling.SamplingConfig;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JudgeWorkerTest {

    @JUnit5TestKit
    ActorTestKit testKit = new JUnit5TestKitBuilder().withCustomConfig(ActorFixtures.withOneThreadDispatcher()).build();

    /** A wait's limit, stretched by pekko.test.timefactor. */
    private Duration patience(long seconds) {
        return ActorFixtures.patience(testKit.system(), seconds);
    }

    private static RolloutGroup group(long creditId) {
        return ActorFixtures.judged(creditId, "4213=", 0).group();
    }

    /** A judge that plays its script, one entry per group. */
    private static PreferenceModel scripted(Deque<Function<List<String>, double[][]>> script) {
        return new PreferenceModel() {
            @Override
            public String name() {
                return "scripted";
            }

            @Override
            public double[][] preferences(String prompt, List<String> responses) {
                return script.poll().apply(responses);
            }
        };
    }

    /** The judge's next answer to the learner, past the {@link Learner.Judging} notices sent as groups arrive. */
    private <T extends Learner.Command> T answer(TestProbe<Learner.Command> learner, Class<T> type) {
        Learner.Command message;
        do {
            message = learner.receiveMessage(patience(30));
        } while (message instanceof Learner.Judging);
        return assertInstanceOf(type, message);
    }

    @Test
    void groupsTheJudgeCannotJudgeGoBackToTheLearnerAndAreCounted() {
        PipelineMetrics metrics = ActorFixtures.metrics();
        TestProbe<Learner.Command> learner = testKit.createTestProbe();
        Deque<Function<List<String>, double[][]>> script = new ArrayDeque<>(List.of(
                responses -> {
                    throw new JudgeUnavailableException("judge server down");
                },
                responses -> new double[][] {{0.5, 0.9, 0.9}, {0.9, 0.5, 0.9}, {0.9, 0.9, 0.5}}, // not a preference matrix
                responses -> ActorFixtures.SORT.judge().preferences("4213=", responses)));
        ActorRef<JudgeWorker.Command> worker =
                testKit.spawn(JudgeWorker.create("judge-scripted", scripted(script), 1, learner.ref(), metrics.judge()));
        try {
            worker.tell(new JudgeWorker.Judge(group(1)));
            // The learner hears first that this judge has the group: the credit is the judge's now.
            assertEquals(new Learner.Judging(1, worker), learner.expectMessageClass(Learner.Judging.class, patience(30)));
            assertEquals(1, answer(learner, Learner.GroupFailed.class).creditId());
            worker.tell(new JudgeWorker.Judge(group(2)));
            assertEquals(2, answer(learner, Learner.GroupFailed.class).creditId());
            worker.tell(new JudgeWorker.Judge(group(3)));
            assertEquals(3, answer(learner, Learner.GroupJudged.class).group().group().creditId());
            assertEquals(1.0, failures(metrics, JudgeMetrics.UNAVAILABLE));
            assertEquals(1.0, failures(metrics, JudgeMetrics.ERROR));
        } finally {
            testKit.stop(worker);
        }
    }

    @Test
    void aJudgeThatWaitsDoesNotHoldTheActorsThread() throws Exception {
        PipelineMetrics metrics = ActorFixtures.metrics();
        TestProbe<Learner.Command> learner = testKit.createTestProbe();
        CountDownLatch slowStarted = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        PreferenceModel slow = new PreferenceModel() {
            @Override
            public String name() {
                return "slow";
            }

            @Override
            public double[][] preferences(String prompt, List<String> responses) {
                slowStarted.countDown();
                try {
                    if (!release.await(patience(60).toMillis(), TimeUnit.MILLISECONDS)) {
                        throw new IllegalStateException("never released");
                    }
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                return ActorFixtures.SORT.judge().preferences(prompt, responses);
            }
        };
        DispatcherSelector oneThread = DispatcherSelector.fromConfig(ActorFixtures.ONE_THREAD);
        ActorRef<JudgeWorker.Command> waiting =
                testKit.spawn(JudgeWorker.create("judge-slow", slow, 1, learner.ref(), metrics.judge()), "slow", oneThread);
        ActorRef<JudgeWorker.Command> quick = testKit.spawn(
                JudgeWorker.create("judge-quick", ActorFixtures.SORT.judge(), 1, learner.ref(), metrics.judge()), "quick", oneThread);
        try {
            waiting.tell(new JudgeWorker.Judge(group(1)));
            assertTrue(slowStarted.await(patience(30).toMillis(), TimeUnit.MILLISECONDS));
            // The slow judge is waiting; the dispatcher's only thread must still serve the other worker.
            quick.tell(new JudgeWorker.Judge(group(2)));
            assertEquals(2, answer(learner, Learner.GroupJudged.class)
                    .group().group().creditId());
            release.countDown();
            assertEquals(1, answer(learner, Learner.GroupJudged.class)
                    .group().group().creditId());
        } finally {
            release.countDown();
            testKit.stop(waiting);
            testKit.stop(quick);
        }
    }

    @Test
    void aStoppingWorkerHandsBackTheGroupItIsJudging() throws Exception {
        TestProbe<Learner.Command> learner = testKit.createTestProbe();
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        PreferenceModel stuck = new PreferenceModel() {
            @Override
            public String name() {
                return "stuck";
            }

            @Override
            public double[][] preferences(String prompt, List<String> responses) {
                started.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                throw new JudgeUnavailableException("released");
            }
        };
        ActorRef<JudgeWorker.Command> worker =
                testKit.spawn(JudgeWorker.create("judge-stuck", stuck, 1, learner.ref(), ActorFixtures.metrics().judge()));
        try {
            worker.tell(new JudgeWorker.Judge(group(1)));
            assertTrue(started.await(patience(30).toMillis(), TimeUnit.MILLISECONDS));
            testKit.stop(worker);
            // At once, not when its credit times out at the learner.
            assertEquals(1, answer(learner, Learner.GroupFailed.class).creditId());
        } finally {
            release.countDown();
        }
    }

    @Test
    void trainingGoesOnOnceTheJudgesServerRecovers() throws Exception {
        // An ActorSystem of its own, so the rollout worker finds no judge of the other tests.
        ActorTestKit kit = ActorTestKit.create("judge-recovery", ActorFixtures.serializingConfig());
        PipelineMetrics metrics = ActorFixtures.metrics();
        try (RecoveringChatServer server = new RecoveringChatServer();
                HttpPairwiseJudge judge = new HttpPairwiseJudge(HttpJudgeSettings.from(EffectiveConfig.load(List.of(), List.of(
                        "sppo4j.judge.http.base-url=\"" + server.baseUrl() + "\"", "sppo4j.judge.http.logprobs=false",
                        "sppo4j.judge.http.max-attempts=2", "sppo4j.judge.http.initial-backoff=1ms",
                        "sppo4j.judge.http.max-backoff=2ms"))), metrics.judge().httpObserver(), variable -> null)) {
            TestProbe<Monitor.Command> monitor = kit.createTestProbe();
            TestProbe<Learner.Status> status = kit.createTestProbe();
            ActorRef<WeightCache.Command> cache = kit.spawn(ActorFixtures.isolatedCache());
            RunSetup run = ActorFixtures.run(AlgorithmConfig.sppo(2f));
            ActorRef<Learner.Command> learner = kit.spawn(Learner.create(new Learner.Setup(
                    run, ActorFixtures.learnerSettings(4, 2, 100, 1_000), ActorFixtures.ASYNC, Device.cpu(), null,
                    metrics.learner(), null), cache, monitor.ref()));
            kit.spawn(JudgeWorker.create("judge-http", judge, 1, learner, metrics.judge()));
            kit.spawn(RolloutWorker.create(new RolloutWorker.Setup(
                    run, "rollout-http", new RolloutSettings(1, 3, 2, 4, SamplingConfig.ancestral(6)), Device.cpu(),
                    JudgeWorker.KEY, metrics.rollout()), learner, cache));

            status.awaitAssert(patience(60), () -> {
                assertTrue(failures(metrics, JudgeMetrics.UNAVAILABLE) >= 1, "a group failed while the server was down");
                return null;
            });
            learner.tell(new Learner.GetStatus(status.ref()));
            assertEquals(0, status.receiveMessage(patience(30)).step(), "nothing was judged while it was down");
            server.recover();
            status.awaitAssert(patience(120), () -> {
                learner.tell(new Learner.GetStatus(status.ref()));
                Learner.Status now = status.receiveMessage(patience(30));
                assertTrue(now.step() >= 3, "steps after the recovery: " + now.step());
                assertTrue(now.inFlight() + now.buffered() <= 4, "credits stay within the capacity");
                return null;
            });
            assertTrue(ActorFixtures.counter(metrics, "sppo_learner_reclaimed_credits", "", "") >= failures(metrics, JudgeMetrics.UNAVAILABLE),
                    "every failed group's credit went back to the learner");
            assertTrue(ActorFixtures.counter(metrics, "sppo_judge_http_retries", "cause", "server-error") >= 1);
        } finally {
            kit.shutdownTestKit();
        }
    }

    private static double failures(PipelineMetrics metrics, String reason) {
        return ActorFixtures.counter(metrics, "sppo_judge_failures", "reason", reason);
    }
}
