package io.sppo4j.cluster.cli;

import ai.djl.Device;
import io.sppo4j.cluster.bench.LlmBenchmark;
import io.sppo4j.model.decoder.LoraConfig;
import io.sppo4j.model.nd.Precision;
import io.sppo4j.model.nd.TorchThreads;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "llm",
        mixinStandardHelpOptions = true,
        description = {
            "Each phase of training a Hugging Face checkpoint, timed on its own and held against this machine's",
            "limits measured in the same run: decoding at batch 1 and at a rollout batch, teacher-forced scoring,",
            "one learner step (forward, backward, optimiser), a weight version's export, transfer and load, a",
            "checkpoint, peak RSS and heap. Random-weight checkpoints of real shapes: ./sppo make-model."
        })
final class LlmBenchCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions configOptions = new ConfigOptions();

    @Mixin
    DeviceOption deviceOption = new DeviceOption();

    @Option(names = "--policy", required = true, paramLabel = "DIR", description = "Hugging Face model directory.")
    Path policy;

    @Option(names = "--dtype", defaultValue = "fp32", paramLabel = "fp32|bf16",
            description = "fp32, or bf16: bfloat16 weights for decoding, bfloat16 compute on float32 masters for the learner.")
    String dtype;

    @Option(names = "--prompt-tokens", defaultValue = "32", description = "Prompt length (default ${DEFAULT-VALUE}).")
    int promptTokens;

    @Option(names = "--new-tokens", defaultValue = "32", description = "Tokens decoded per sequence (default ${DEFAULT-VALUE}).")
    int newTokens;

    @Option(names = "--group-size", defaultValue = "4", description = "K, responses per prompt (default ${DEFAULT-VALUE}).")
    int groupSize;

    @Option(names = "--groups-per-batch", defaultValue = "4", description = "Prompts per rollout batch (default ${DEFAULT-VALUE}).")
    int groupsPerBatch;

    @Option(names = "--groups-per-step", defaultValue = "2", description = "Groups per learner step (default ${DEFAULT-VALUE}).")
    int groupsPerStep;

    @Option(names = "--steps", defaultValue = "2", description = "Timed learner steps after a warm-up; the fastest is reported (default ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--threads", defaultValue = "0", description = "PyTorch threads; 0 for one per core (default).")
    int threads;

    @Option(names = "--lora-rank", defaultValue = "8", paramLabel = "R",
            description = "Also time LoRA adapters of rank R (alpha 2R, the default targets) beside full fine-tuning;"
                    + " 0 to skip (default ${DEFAULT-VALUE}).")
    int loraRank;

    @Option(names = "--lora-dropout", defaultValue = "0.05", paramLabel = "P",
            description = "Dropout on the adapters' input while training (default ${DEFAULT-VALUE}, as sppo4j.lora.dropout).")
    float loraDropout;

    @Option(names = "--json", description = "Print only the JSON summary on stdout.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Precision precision = Precision.parse(dtype, false, "--dtype");
        if (newTokens < 2) {
            throw new IllegalArgumentException("--new-tokens: at least 2 (a step is timed after the first), got " + newTokens);
        }
        com.typesafe.config.Config config = configOptions.load();
        Device device = deviceOption.resolve(config);
        int torchThreads = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        TorchThreads.limit(torchThreads);
        LlmBenchmark.Settings settings = new LlmBenchmark.Settings(policy, precision, device, promptTokens, newTokens,
                groupSize * groupsPerBatch, groupSize * groupsPerStep, steps, torchThreads, 1,
                loraRank == 0 ? LoraConfig.OFF : new LoraConfig(loraRank, 2.0 * loraRank, loraDropout, List.of(), 1, true),
                config.getBoolean("sppo4j.rollout.fp16-packed-weights"));
        Map<String, Object> result = new LlmBenchmark(settings).run(line -> System.err.println("bench llm: " + line));
        if (!json) {
            System.out.printf("decode %.1f tokens/s at batch 1 (%.2f of the memory bound), learner step %.0f ms (%.2f of the GEMM bound)%n",
                    result.get("decode_batch1_tokens_per_s"), result.get("decode_fraction_of_bound"),
                    result.get("learner_step_ms"), result.get("train_fraction_of_bound"));
        }
        System.out.println(Json.line(result));
        return 0;
    }
}
