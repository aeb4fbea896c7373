package io.sppo4j.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.sppo4j.actors.data.Credit;
import io.sppo4j.actors.data.RolloutGroup;
import io.sppo4j.actors.data.Sample;
import io.sppo4j.actors.settings.AlgorithmConfig;
import io.sppo4j.actors.settings.RolloutSettings;
import io.sppo4j.model.nd.Autograd;
import io.sppo4j.model.hf.HfModels;
import io.sppo4j.model.policy.LanguageModel;
import io.sppo4j.model.sampling.SamplingConfig;
import io.sppo4j.model.scoring.SequenceScorer;
import io.sppo4j.model.tokenizer.ByteTokenizer;
import io.sppo4j.model.train.Algorithm;
import io.sppo4j.model.weights.WeightSnapshot;

import java.time.Duration;
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
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RolloutWorkerTest {

    @JUnit5TestKit
    ActorTestKit testKit = new JUnit5TestKitBuilder().withCustomConfig(ActorFixtures.serializingConfig()).build();

    /** A wait's limit, stretched by pekko.test.timefactor. */
    private Duration patience(long seconds) {
        return ActorFixtures.patience(testKit.system(), seconds);
    }

    private final Map<Long, WeightSnapshot> versions = new HashMap<>();

    /** A worker wired to probes: the learner, the weight cache and one judge. */
    private final class Harness {
        final TestProbe<Learner.Command> learner = testKit.createTestProbe();
        final TestProbe<WeightCache.Command> cache = testKit.createTestProbe();
        final TestProbe<JudgeWorker.Command> judge = testKit.createTestProbe();
        final ActorRef<WeightCache.Update> weights;
        private long creditIds;

        Harness(String name, SamplingConfig sampling, boolean withJudge) {
            this(name, sampling, withJudge, AlgorithmConfig.sppo(4f));
        }

        /** @param withJudge whether a judge serves this worker (each harness has a judge key of its own) */
        Harness(String name, SamplingConfig sampling, boolean withJudge, AlgorithmConfig algorithm) {
            ServiceKey<JudgeWorker.Command> key = ServiceKey.create(JudgeWorker.Command.class, "judges-" + name);
            if (withJudge) {
                TestProbe<Receptionist.Registered> registered = testKit.createTestProbe();
                testKit.system().receptionist().tell(Receptionist.register(key, judge.ref(), registered.ref()));
                registered.receiveMessage(patience(30));
            }
            RolloutSettings settings = new RolloutSettings(1, 3, 2, 4, sampling);
            RunSetup run = new RunSetup(ActorFixtures.SORT, ActorFixtures.TOKENIZER, ActorFixtures.factory(),
                    ActorFixtures.TINY, ActorFixtures.weights(99, 0), algorithm, 11, 1);
            testKit.spawn(RolloutWorker.create(new RolloutWorker.Setup(
                    run, name, settings, Device.cpu(), key, ActorFixtures.metrics().rollout()), learner.ref(), cache.ref()),
                    name);
            weights = cache.expectMessageClass(WeightCache.Subscribe.class, patience(30)).subscriber();
        }

        void publish(long version) {
            WeightSnapshot snapshot = versions.computeIfAbsent(version, v -> ActorFixtures.weights(100 + v, v));
            weights.tell(new WeightCache.Update(snapshot.retain(), version, false)); // the worker closes its handle
        }

        /** Answers the worker's next credit request with {@code count} credits. */
        void grant(int count) {
            Learner.RequestCredits request = learner.expectMessageClass(Learner.RequestCredits.class, patience(30));
            List<Credit> credits = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                String prompt = ActorFixtures.SORT.heldOutPrompts(count, creditIds).get(i);
                credits.add(new Credit(creditIds++, prompt));
            }
            request.worker().tell(new RolloutWorker.Credits(credits));
        }

        RolloutGroup nextGroup() {
            return judge.expectMessageClass(JudgeWorker.Judge.class, patience(60)).group();
        }
    }

    @Test
    void versionsNeverGoBackwards() {
        Harness harness = new Harness("monotone", SamplingConfig.ancestral(8), true);
        harness.publish(2);
        harness.grant(2);
        assertEquals(2, harness.nextGroup().version());
        assertEquals(2, harness.nextGroup().version());
        harness.publish(1); // late, older weights: ignored
        harness.grant(2);
        assertEquals(2, harness.nextGroup().version());
        assertEquals(2, harness.nextGroup().version());
        harness.publish(3);
        harness.grant(2);
        long previous = 2;
        for (int i = 0; i < 2; i++) {
            long version = harness.nextGroup().version();
            assertTrue(version >= previous, "v" + version + " after v" + previous);
            previous = version;
        }
        assertEquals(3, previous);
    }

    @Test
    void weightsSwapOnlyBetweenSequences() {
        // Long sequences, new weights published while the worker samples: every response must be
        // exactly what the version its group names would produce, never a mix of two.
        Harness harness = new Harness("boundaries", new SamplingConfig(1f, 0, 1f, 40, false), true);
        harness.publish(1);
        harness.grant(4);
        harness.publish(2);
        harness.grant(4);
        harness.publish(3);
        List<RolloutGroup> groups = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            groups.add(harness.nextGroup());
        }
        assertTrue(groups.stream().map(RolloutGroup::version).distinct().count() >= 2,
                "the worker moved to newer weights while credits remained");
        for (RolloutGroup group : groups) {
            float[] rescored = score(versions.get(group.version()), group);
            for (int i = 0; i < group.size(); i++) {
                assertEquals(rescored[i], group.samples().get(i).policyLogProb(), 1e-3,
                        "sample " + i + " of credit " + group.creditId() + " under v" + group.version());
            }
        }
    }

    @Test
    void unusedCreditsAreHandedBackWhenTheWorkerStops() {
        // No judge serves this worker, so the credits it receives stay unused until it stops.
        Harness harness = new Harness("leaving", SamplingConfig.ancestral(4), false);
        harness.publish(1);
        ActorRef<RolloutWorker.Command> worker =
                harness.learner.expectMessageClass(Learner.RequestCredits.class, patience(30)).worker();
        worker.tell(new RolloutWorker.Credits(List.of(new Credit(1, "321="))));
        // One credit is less than a batch: the worker asks for more, which shows it holds the one.
        assertEquals(3, harness.learner.expectMessageClass(Learner.RequestCredits.class, patience(30)).wanted());
        testKit.stop(worker);
        Learner.ReturnCredits returned = harness.learner.expectMessageClass(Learner.ReturnCredits.class, patience(30));
        assertEquals(List.of(1L), returned.creditIds());
    }

    @Test
    void mixtureMethodsSampleFromTheMixture() {
        Harness nashMd = new Harness("nash-md", SamplingConfig.ancestral(6), true,
                new AlgorithmConfig(Algorithm.NASH_MD, 1f, 0.1f, 0.5f));
        nashMd.publish(1);
        nashMd.grant(2);
        RolloutGroup group = nashMd.nextGroup();
        assertEquals(List.of(false, false, true), group.samples().stream().map(Sample::fromMixture).toList(),
                "K = 3: the first K − K/2 from the policy, the rest from the mixture");
        Harness ipoMd = new Harness("ipo-md", SamplingConfig.ancestral(6), true,
                new AlgorithmConfig(Algorithm.IPO_MD, 1f, 0.1f, 0.5f));
        ipoMd.publish(1);
        ipoMd.grant(2);
        assertTrue(ipoMd.nextGroup().samples().stream().allMatch(Sample::fromMixture));
    }

    private static float[] score(WeightSnapshot weights, RolloutGroup group) {
        try (NDManager manager = NDManager.newBaseManager();
                LanguageModel policy = HfModels.builtIn(ActorFixtures.TINY, 0).create(manager, Device.cpu());
                Autograd.Scope inference = Autograd.paused()) {
            weights.importInto(policy);
            List<int[]> prompts = new ArrayList<>();
            List<int[]> responses = new ArrayList<>();
            for (Sample sample : group.samples()) {
                prompts.add(group.promptTokens());
                responses.add(sample.tokens());
            }
            return new SequenceScorer(ByteTokenizer.PAD).score(policy, manager, prompts, responses, false)
                    .sequenceLogProbs().toFloatArray();
        }
    }
}
