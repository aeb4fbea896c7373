package io.sppo4j.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.sppo4j.actors.monitor.EvalRecord;
import io.sppo4j.actors.settings.AlgorithmConfig;
import io.sppo4j.actors.settings.EvalSettings;
import io.sppo4j.actors.settings.LearnerSettings;
import io.sppo4j.actors.settings.RolloutSettings;
import io.sppo4j.actors.settings.Schedule;
import io.sppo4j.model.optim.AdamWConfig;
import io.sppo4j.model.policy.PolicyConfig;
import io.sppo4j.model.policy.PolicyFactory;
import io.sppo4j.model.hf.HfModels;
import io.sppo4j.model.policy.LanguageModel;
import io.sppo4j.model.sampling.SamplingConfig;
import io.sppo4j.model.sft.SftConfig;
import io.sppo4j.model.sft.SupervisedFineTuning;
import io.sppo4j.model.task.sort.SortTask;
import io.sppo4j.model.task.sort.SortTaskConfig;
import io.sppo4j.model.tokenizer.ByteTokenizer;
import io.sppo4j.model.weights.TensorEncoding;
import io.sppo4j.model.weights.WeightSnapshot;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.junit.jupiter.api.Test;

/**
 * A short run of the whole pipeline in one ActorSystem with every message serialized on the
 * way: SFT a small reference on sort, then SPPO, and the policy must beat its reference.
 */
class PipelineTest {

    private static final PolicyConfig SMALL = new PolicyConfig(ByteTokenizer.VOCAB_SIZE, 48, 2, 4, 48, 0f);
    private static final SortTask SORT = new SortTask(new SortTaskConfig(3, 5, 0.25, 0.1));
    private static final long SEED = 3;

    @Test
    void aShortSortRunBeatsTheReference() throws Exception {
        ByteTokenizer tokenizer = new ByteTokenizer();
        WeightSnapshot reference = trainReference(tokenizer);
        int steps = 200;
        RunSetup run = new RunSetup(SORT, tokenizer, HfModels.builtIn(SMALL, SEED), SMALL, reference,
                AlgorithmConfig.sppo(4f), SEED, 1);
        Pipeline.Setup setup = new Pipeline.Setup(
                run, new Schedule(Schedule.Kind.ASYNC, 1, 1, 1),
                new LearnerSettings(16, 4, 4, 1, 1_000, 1, steps, AdamWConfig.DEFAULTS.withLearningRate(2e-4f), 10,
                        Duration.ofSeconds(60), TensorEncoding.FP32),
                Device.cpu(), null, new RolloutSettings(1, 4, 4, 8, SamplingConfig.ancestral(10)), Device.cpu(),
                1, new EvalSettings(100, 256, 64), ActorFixtures.metrics());
        CompletableFuture<Monitor.Report> completion = new CompletableFuture<>();
        ActorSystem<Pipeline.Command> system =
                ActorSystem.create(Pipeline.create(setup, completion), "pipeline-test", ActorFixtures.serializingConfig());
        Monitor.Report report;
        try {
            report = completion.get(5, TimeUnit.MINUTES);
        } finally {
            system.terminate();
            system.getWhenTerminated().toCompletableFuture().get(1, TimeUnit.MINUTES);
        }
        assertEquals(steps, report.steps().get(report.steps().size() - 1).step());
        EvalRecord first = report.evals().get(0);
        EvalRecord last = report.evals().get(report.evals().size() - 1);
        assertEquals(0, first.version());
        assertEquals(0.5, first.winRate(), 1e-9, "the reference against itself with the same samples ties");
        assertEquals(steps, last.version());
        System.out.printf("pipeline: win rate %.3f after %d steps (mean length %.2f vs %.2f)%n", last.winRate(), steps, last.meanLength(), last.referenceMeanLength());
        assertTrue(last.winRate() >= 0.6, "win rate over the reference after " + steps + " steps: " + last.winRate());
        assertEquals(last.referenceMeanLength(), last.meanLength(), 0.3 * last.referenceMeanLength(),
                "responses keep their length");
    }

    private static WeightSnapshot trainReference(ByteTokenizer tokenizer) {
        SftConfig sft = new SftConfig(400, 32, 3e-3f, 20, 0.1f, 0.01f, 1f, 0);
        try (NDManager manager = NDManager.newBaseManager();
                LanguageModel policy = HfModels.builtIn(SMALL, SEED).create(manager, Device.cpu())) {
            new SupervisedFineTuning(sft, tokenizer.pad())
                    .run(policy, SORT.demonstrations(tokenizer), SEED, (step, total, loss, lr) -> { });
            return WeightSnapshot.export(policy, 0, TensorEncoding.FP32);
        }
    }
}
