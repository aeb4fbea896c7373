package io.sppo4j.cluster.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.typesafe.config.Config;
import io.sppo4j.model.hf.HfCausalModel;
import io.sppo4j.model.hf.HfModels;
import io.sppo4j.model.hf.LoraSetup;
import io.sppo4j.model.nd.Autograd;
import io.sppo4j.model.nd.Devices;
import io.sppo4j.model.nd.Precision;
import io.sppo4j.model.scoring.SequenceScorer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "score",
        mixinStandardHelpOptions = true,
        description = {
            "Teacher-forced log-probabilities of token ids under a Hugging Face model directory.",
            "Prints log p(ids[t] | ids[0..t-1]) for t >= 1. The ids are taken as given (no BOS is added),",
            "so the figures compare one to one with another implementation's (see docs/cli-hf.md)."
        })
final class ScoreCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions configOptions = new ConfigOptions();

    @Mixin
    DeviceOption deviceOption = new DeviceOption();

    @Mixin
    AdapterOption adapterOption = new AdapterOption();

    @Option(names = "--policy", required = true, paramLabel = "DIR", description = "Hugging Face model directory.")
    Path policy;

    @Option(names = "--ids", required = true, paramLabel = "ID,ID,...", description = "Comma-separated token ids, at least 2.")
    String ids;

    @Option(names = "--json", description = "Print {\"token_logprobs\": [...], \"sum_logprob\": x} instead of a table.")
    boolean json;

    @Override
    public Integer call() {
        int[] tokens = parse(ids);
        Config config = configOptions.load();
        Device device = deviceOption.resolve(config);
        float[] logProbs;
        LoraSetup adapted = adapterOption.setup();
        try (HfCausalModel model = HfModels.loadCausal(policy, NDManager.newBaseManager(device), device, Precision.FP32, adapted)) {
            check(tokens, model.vocabSize(), model.contextLength());
            logProbs = logProbs(model, tokens);
        } catch (IOException e) {
            throw new UncheckedIOException("--policy: cannot load " + policy + ": " + e.getMessage(), e);
        }
        double sum = 0;
        for (float logProb : logProbs) {
            sum += logProb;
        }
        if (json) {
            Map<String, Object> summary = new LinkedHashMap<>();
            summary.put("token_logprobs", logProbs);
            summary.put("sum_logprob", sum);
            summary.put("device", Devices.describe(device));
            System.out.println(Json.line(summary));
        } else {
            System.out.println("position\tid\tlogprob");
            for (int t = 1; t < tokens.length; t++) {
                System.out.printf("%d\t%d\t%.6f%n", t, tokens[t], logProbs[t - 1]);
            }
            System.out.printf("sum\t\t%.6f%n", sum);
        }
        return 0;
    }

    /** The first id is the context of the second; the rest are scored as the response, in one forward pass. */
    private static float[] logProbs(HfCausalModel model, int[] tokens) {
        try (Autograd.Scope inference = Autograd.paused();
                NDManager scope = model.manager().newSubManager()) {
            SequenceScorer.Scores scores = new SequenceScorer(0).score(model, scope,
                    List.of(new int[] {tokens[0]}), List.of(Arrays.copyOfRange(tokens, 1, tokens.length)), false);
            return scores.tokenLogProbs().toFloatArray();
        }
    }

    static int[] parse(String list) {
        String[] parts = list.split(",", -1);
        int[] tokens = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                tokens[i] = Integer.parseInt(parts[i].strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--ids: '" + parts[i].strip() + "' at position " + i + " is not a token id");
            }
        }
        if (tokens.length < 2) {
            throw new IllegalArgumentException("--ids: give at least 2 ids (the first is only context), got " + tokens.length);
        }
        return tokens;
    }

    private void check(int[] tokens, int vocabSize, int contextLength) {
        for (int i = 0; i < tokens.length; i++) {
            if (tokens[i] < 0 || tokens[i] >= vocabSize) {
                throw new IllegalArgumentException("--ids: id " + tokens[i] + " at position " + i
                        + " is outside the vocabulary of " + policy + " (ids 0.." + (vocabSize - 1) + ")");
            }
        }
        if (tokens.length > contextLength) {
            throw new IllegalArgumentException("--ids: " + tokens.length + " ids exceed the context length "
                    + contextLength + " of " + policy);
        }
    }
}
