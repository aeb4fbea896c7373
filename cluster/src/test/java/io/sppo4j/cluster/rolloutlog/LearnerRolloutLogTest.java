package io.sppo4j.cluster.rolloutlog;

import io.sppo4j.model.nd.Precision;
import io.sppo4j.model.hf.HfModels;
import io.sppo4j.model.hf.HfCausalModel;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.sppo4j.actors.Learner;
import io.sppo4j.actors.Monitor;
import io.sppo4j.actors.RolloutWorker;
import io.sppo4j.actors.RunSetup;
import io.sppo4j.actors.WeightCache;
import io.sppo4j.actors.data.Credit;
import io.sppo4j.actors.data.JudgedGroup;
import io.sppo4j.actors.data.RolloutGroup;
import io.sppo4j.actors.data.Sample;
import io.sppo4j.actors.metrics.PipelineMetrics;
import io.sppo4j.actors.settings.AlgorithmConfig;
import io.sppo4j.actors.settings.LearnerSettings;
import io.sppo4j.actors.settings.Schedule;
import io.sppo4j.model.judge.PreferenceMatrices;
import io.sppo4j.model.optim.AdamWConfig;
import io.sppo4j.model.policy.PolicyConfig;
import io.sppo4j.model.policy.PolicyFactory;
import io.sppo4j.model.task.sort.SortTask;
import io.sppo4j.model.task.sort.SortTaskConfig;
import io.sppo4j.model.tokenizer.ByteTokenizer;
import io.sppo4j.model.weights.TensorEncoding;
import io.sppo4j.model.weights.WeightSnapshot;

import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.TestKitSettings;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rollout log end to end: a real learner hands every judged group that reaches it to a real
 * writer, and the files read back hold each group as it arrived, with the learner's version at
 * its arrival, whether the group was trained on or dropped.
 */
class LearnerRolloutLogTest {

    private static final PolicyConfig TINY = new PolicyConfig(ByteTokenizer.VOCAB_SIZE, 32, 1, 2, 48, 0f);
    private static final SortTask SORT = new SortTask(new SortTaskConfig(3, 5, 0.2, 0.1));
    private static final ByteTokenizer TOKENIZER = new ByteTokenizer();
    private static final ActorTestKit KIT = ActorTestKit.create("learner-rollout-log");

    @TempDir
    Path directory;

    @AfterAll
    static void shutDown() {
        KIT.shutdownTestKit();
    }

    private static Duration patience(long seconds) {
        return TestKitSettings.create(KIT.system()).dilated(Duration.ofSeconds(seconds));
    }

    @Test
    void everyGroupThatReachesTheLearnerIsLoggedWithTheLearnersVersionAtItsArrival() throws Exception {
        WeightSnapshot reference;
        try (NDManager manager = NDManager.newBaseManager();
                HfCausalModel policy = HfModels.builtIn(TINY, 1, manager, Device.cpu(), Precision.FP32)) {
            reference = WeightSnapshot.export(policy, 0, TensorEncoding.FP32);
        }
        RunSetup run = new RunSetup(SORT, TOKENIZER, HfModels.builtIn(TINY, 1), TINY, reference,
                AlgorithmConfig.sppo(2f), 7, 1);
        // One group a step, a version a step, groups more than one version old dropped.
        LearnerSettings settings = new LearnerSettings(8, 1, 1, 1, 1_000, 1, 1_000, AdamWConfig.DEFAULTS, 0,
                Duration.ofSeconds(60), TensorEncoding.FP32);
        RolloutLogMetrics logMetrics = RolloutLogMetrics.unregistered();
        // No timed flush within the test: the records reach the file only if the learner closes
        // the log as it stops, so reading them back shows that it did.
        RolloutLogWriter writer = new RolloutLogWriter(
                new RolloutLogWriter.Settings(directory, 1 << 20, Duration.ofHours(1)), logMetrics);
        PipelineMetrics metrics = PipelineMetrics.register(new PrometheusRegistry());
        TestProbe<Monitor.Command> monitor = KIT.createTestProbe();
        ActorRef<WeightCache.Command> cache = KIT.spawn(WeightCache.create(WeightCache.Settings.DEFAULT.withGroup("log-test")));
        ActorRef<Learner.Command> learner = KIT.spawn(Learner.create(new Learner.Setup(
                run, settings, new Schedule(Schedule.Kind.ASYNC, 1, 1, 1), Device.cpu(), null, metrics.learner(), writer),
                cache, monitor.ref()));

        TestProbe<RolloutWorker.Command> worker = KIT.createTestProbe();
        learner.tell(new Learner.RequestCredits(worker.ref(), 3));
        List<Credit> credits = worker.expectMessageClass(RolloutWorker.Credits.class, patience(30)).credits();
        List<JudgedGroup> sent = new ArrayList<>();
        long[] sampledBy = {0, 0, 0}; // the third arrives two versions late: dropped, and logged all the same
        for (int i = 0; i < 3; i++) {
            JudgedGroup group = judged(credits.get(i), sampledBy[i]);
            sent.add(group);
            learner.tell(new Learner.GroupJudged(group));
            awaitStatus(learner, i + 1 < 3 ? i + 1 : 2, i == 2 ? 1 : 0);
        }
        KIT.stop(learner, patience(30)); // its stop closes the log

        List<LoggedGroup> logged = new ArrayList<>();
        for (Path file : RolloutLogFiles.list(directory)) {
            logged.addAll(RolloutLogReader.readAll(file));
        }
        assertEquals(3, logged.size(), "one record per group that reached the learner");
        for (int i = 0; i < 3; i++) {
            assertEquals(sent.get(i), logged.get(i).group(), "record " + i + " is the group as it arrived");
            assertEquals(i, logged.get(i).learnerVersion(), "the learner was at v" + i + " when group " + i + " arrived");
        }
        assertEquals(3, logMetrics.records());
        assertEquals(0, logMetrics.errors());
    }

    private static void awaitStatus(ActorRef<Learner.Command> learner, long step, long dropped) {
        TestProbe<Learner.Status> status = KIT.createTestProbe();
        status.awaitAssert(patience(60), () -> {
            learner.tell(new Learner.GetStatus(status.ref()));
            Learner.Status now = status.receiveMessage(patience(30));
            assertEquals(step, now.step());
            assertEquals(dropped, now.droppedStale());
            return null;
        });
    }

    /** The sort judge's verdict on three responses to the credit's prompt, as if sampled by {@code version}. */
    private static JudgedGroup judged(Credit credit, long version) {
        String[] texts = {SortTask.target(credit.prompt()), SortTask.target(credit.prompt()) + "1", "9"};
        List<Sample> samples = new ArrayList<>();
        for (String text : texts) {
            int[] tokens = TOKENIZER.encodeResponse(text);
            samples.add(new Sample(tokens, text, -2f * tokens.length, -2f * tokens.length, false));
        }
        RolloutGroup group = new RolloutGroup(credit.id(), credit.prompt(), TOKENIZER.encodePrompt(credit.prompt()), samples,
                version, "rollout-test", 1_700_000_000_000L, 12);
        double[][] preferences = SORT.judge().preferences(credit.prompt(), List.of(texts));
        return new JudgedGroup(group, preferences, PreferenceMatrices.winRates(preferences), 0.0, "judge-test");
    }
}
