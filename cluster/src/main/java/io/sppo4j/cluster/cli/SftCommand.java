package io.sppo4j.cluster.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.typesafe.config.Config;
import io.sppo4j.model.checkpoint.Checkpoint;
import io.sppo4j.model.checkpoint.CheckpointStore;
import io.sppo4j.model.nd.Devices;
import io.sppo4j.model.policy.PolicyConfig;
import io.sppo4j.model.policy.TransformerPolicy;
import io.sppo4j.model.sampling.PolicyLogits;
import io.sppo4j.model.sampling.Sampler;
import io.sppo4j.model.sampling.SamplingConfig;
import io.sppo4j.model.sampling.TextSampling;
import io.sppo4j.model.sft.Demonstrations;
import io.sppo4j.model.sft.SftConfig;
import io.sppo4j.model.sft.SupervisedFineTuning;
import io.sppo4j.model.task.sort.SortDemonstrations;
import io.sppo4j.model.task.sort.SortQuality;
import io.sppo4j.model.task.sort.SortTask;
import io.sppo4j.model.tokenizer.ByteTokenizer;
import io.sppo4j.model.weights.TensorEncoding;
import io.sppo4j.model.weights.WeightSnapshot;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "sft",
        mixinStandardHelpOptions = true,
        description = {
            "Supervised fine-tuning of the reference policy on a task's demonstrations.",
            "Saves a checkpoint under --out and reports held-out quality."
        })
final class SftCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions configOptions = new ConfigOptions();

    @Option(names = "--task", defaultValue = "sort", description = "Built-in task (default ${DEFAULT-VALUE}; built-in: sort).")
    String task;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory the reference checkpoint is written to.")
    Path out;

    @Option(names = "--steps", description = "Optimiser steps (overrides sppo4j.sft.steps).")
    Integer steps;

    @Option(names = "--json", description = "Print a JSON summary as the last stdout line.")
    boolean json;

    @Override
    public Integer call() throws java.io.IOException {
        if (!"sort".equals(task)) {
            throw new IllegalArgumentException("--task: unknown task '" + task + "'; built-in tasks: sort");
        }
        SortSetup setup = SortSetup.from(configOptions.load());
        Config config = setup.config();
        SftConfig sft = SftConfig.from(config);
        if (steps != null) {
            sft = sft.withSteps(steps);
        }
        long seed = setup.seed();
        ByteTokenizer tokenizer = setup.tokenizer();
        PolicyConfig policyConfig = setup.policyConfig();
        SortTask sortTask = setup.task();
        Device device = setup.device("sppo4j.learner.device");
        Demonstrations demonstrations = new SortDemonstrations(sortTask, tokenizer);
        SupervisedFineTuning training = new SupervisedFineTuning(sft, tokenizer.pad());
        List<Demonstrations.Demonstration> heldOut = List.copyOf(
                SupervisedFineTuning.draw(demonstrations, new SplittableRandom(seed ^ 0x5EED), 256));
        long started = System.nanoTime();
        Map<String, Object> summary = new LinkedHashMap<>();
        try (NDManager manager = NDManager.newBaseManager(device);
                TransformerPolicy policy = TransformerPolicy.create(policyConfig, seed, manager, device)) {
            System.err.printf(Locale.ROOT, "sft: task %s, %,d parameters on %s, %d steps of %d demonstrations%n",
                    task, policyConfig.parameterCount(), Devices.describe(device), sft.steps(), sft.batchSize());
            double before = training.evaluate(policy, heldOut);
            SupervisedFineTuning.Result result;
            try (ProgressBar bar = new ProgressBar(System.err, "sft", sft.steps(), Duration.ofSeconds(10))) {
                result = training.run(policy, demonstrations, seed, (step, total, loss, lr) ->
                        bar.update(step, String.format(Locale.ROOT, "loss %.4f lr %.2e", loss, lr)));
            }
            double after = training.evaluate(policy, heldOut);
            policy.setTrainable(false);
            List<String> prompts = sortTask.heldOutPrompts(sft.evalPrompts(), seed);
            Sampler sampler = new Sampler(SamplingConfig.from(config, "sppo4j.sampling"), tokenizer);
            List<String> responses = TextSampling.sample(
                    sampler, new PolicyLogits(policy), tokenizer, manager, prompts, 64, seed);
            SortQuality quality = SortQuality.measure(prompts, responses);
            Path saved = new CheckpointStore(out, 1).save(new Checkpoint(
                    policyConfig,
                    0,
                    sft.steps(),
                    WeightSnapshot.export(policy, 0, TensorEncoding.FP32),
                    null,
                    seed,
                    Map.of("task", task, "role", "reference", "tokenizer", "byte")));
            summary.put("task", task);
            summary.put("checkpoint", saved.toString());
            summary.put("steps", sft.steps());
            summary.put("heldout_loss_before", before);
            summary.put("heldout_loss_after", after);
            summary.put("train_loss_final", result.finalLoss(50));
            summary.put("exact_match", quality.exactMatch());
            summary.put("mean_edit_distance", quality.meanEditDistance());
            summary.put("mean_len", quality.meanLength());
            summary.put("target_mean_len", quality.meanTargetLength());
            summary.put("device", Devices.describe(device));
            summary.put("wall_s", (System.nanoTime() - started) / 1e9);
            System.err.printf(Locale.ROOT,
                    "sft: held-out loss %.4f -> %.4f; sampled exact match %.1f%%, edit distance %.2f; saved %s%n",
                    before, after, 100 * quality.exactMatch(), quality.meanEditDistance(), saved);
        }
        if (json) {
            System.out.println(Json.line(summary));
        }
        return 0;
    }
}
