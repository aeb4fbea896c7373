package io.sppo4j.cluster.cli;

import io.sppo4j.cluster.setup.TaskSetup;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.sppo4j.cluster.bench.GenerateBenchmark;
import io.sppo4j.model.nd.Devices;
import io.sppo4j.model.policy.PolicyConfig;
import io.sppo4j.model.policy.LanguageModel;
import io.sppo4j.model.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "generate",
        mixinStandardHelpOptions = true,
        description = {
            "Decoding throughput of the default sort policy with the KV cache vs recomputing the prefix.",
            "Prints kv_tokens_per_s, recompute_tokens_per_s and speedup as JSON."
        })
final class GenerateCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions configOptions = new ConfigOptions();

    @Option(names = "--batch", defaultValue = "16", description = "Sequences decoded together (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--new-tokens", defaultValue = "128", description = "Tokens decoded per sequence (default ${DEFAULT-VALUE}).")
    int newTokens;

    @Option(names = "--repeats", defaultValue = "3", description = "Timed runs per mode after a warm-up; the median is reported (default ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = "--json", description = "Print only the JSON summary on stdout.")
    boolean json;

    @Override
    public Integer call() {
        TaskSetup setup = TaskSetup.from(configOptions.load("sppo4j.task=sort"));
        Tokenizer tokenizer = setup.tokenizer();
        PolicyConfig policyConfig = setup.policyConfig();
        long seed = setup.seed();
        Device device = setup.device("sppo4j.rollout.device");
        SplittableRandom random = new SplittableRandom(seed);
        List<String> prompts = new ArrayList<>();
        for (int i = 0; i < batch; i++) {
            prompts.add(setup.task().trainingPrompt(random));
        }
        try (NDManager manager = NDManager.newBaseManager(device);
                LanguageModel policy = setup.policyFactory().create(manager, device)) {
            policy.setTrainable(false);
            System.err.printf("bench generate: %s, %,d parameters, batch %d, %d new tokens, on %s%n",
                    policyConfig, policyConfig.parameterCount(), batch, newTokens, Devices.describe(device));
            GenerateBenchmark benchmark = new GenerateBenchmark(policy, tokenizer, prompts, newTokens, repeats, seed);
            Map<String, Object> result = benchmark.run(line -> System.err.println("bench generate: " + line));
            result.put("policy", Map.of(
                    "width", policyConfig.width(),
                    "layers", policyConfig.layers(),
                    "heads", policyConfig.heads(),
                    "parameters", policyConfig.parameterCount()));
            if (!json) {
                System.out.printf("KV cache: %.0f tokens/s, recompute: %.0f tokens/s, speedup %.2fx%n",
                        result.get("kv_tokens_per_s"), result.get("recompute_tokens_per_s"), result.get("speedup"));
            }
            System.out.println(Json.line(result));
        }
        return 0;
    }
}
