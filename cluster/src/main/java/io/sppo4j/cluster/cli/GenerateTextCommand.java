package io.sppo4j.cluster.cli;


import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.typesafe.config.Config;
import io.sppo4j.model.judge.Judges;
import io.sppo4j.model.eval.BestOfN;
import io.sppo4j.model.judge.PreferenceModel;
import io.sppo4j.model.judge.http.HttpJudgeObserver;
import io.sppo4j.model.nd.Devices;
import io.sppo4j.model.sampling.Generation;
import io.sppo4j.model.sampling.PolicyLogits;
import io.sppo4j.model.sampling.Sampler;
import io.sppo4j.model.sampling.SamplingConfig;
import io.sppo4j.model.tokenizer.ChatMessage;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "generate",
        mixinStandardHelpOptions = true,
        description = {
            "Samples one response to a prompt from a Hugging Face model directory and prints it.",
            "The prompt is raw text unless --chat renders it through the directory's chat template.",
            "Sampling follows sppo4j.sampling (temperature, top-k, top-p, max-new-tokens).",
            "--best-of N samples N responses and prints the one the judge (--judge) likes best: the highest",
            "mean preference over the others; --json then lists every candidate with its score."
        })
final class GenerateTextCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions configOptions = new ConfigOptions();

    @Mixin
    DeviceOption deviceOption = new DeviceOption();

    @Mixin
    AdapterOption adapterOption = new AdapterOption();

    @Option(names = "--policy", required = true, paramLabel = "DIR",
            description = "Hugging Face model directory (config.json, *.safetensors, tokenizer.json).")
    Path policy;

    @Option(names = "--prompt", required = true, description = "The prompt text.")
    String prompt;

    @Option(names = "--chat", description = "Render the prompt as one user message through the chat template,"
            + " ending where the assistant's reply begins.")
    boolean chat;

    @Option(names = "--max-new-tokens", paramLabel = "N", description = "Overrides sppo4j.sampling.max-new-tokens.")
    Integer maxNewTokens;

    @Option(names = "--temperature", paramLabel = "T", description = "Overrides sppo4j.sampling.temperature (0 is greedy).")
    Float temperature;

    @Option(names = "--seed", paramLabel = "S", description = "Sampling seed (default: sppo4j.seed).")
    Long seed;

    @Option(names = "--best-of", paramLabel = "N", description = "Sample N responses (N >= 2) and print the judge's best.")
    Integer bestOf;

    @Option(names = "--judge", paramLabel = "TYPE",
            description = "Judge of --best-of: reward-model, http or pairrm (overrides sppo4j.judge.type).")
    String judge;

    @Option(names = "--json", description = "Print a JSON object (prompt token count and ids, response, token ids, tokens/s;"
            + " with --best-of every candidate and its score) instead of the text.")
    boolean json;

    @Override
    public Integer call() {
        if (bestOf != null && bestOf < 2) {
            throw new IllegalArgumentException("--best-of must be >= 2, got " + bestOf);
        }
        Config config = judge == null ? configOptions.load() : configOptions.load("sppo4j.judge.type=" + judge);
        if (bestOf != null) {
            // Before sampling: a missing judge should not cost the user N samples.
            Judges.requireModelJudge(config, "--best-of needs a model judge: --judge reward-model, http or pairrm");
        }
        SamplingConfig sampling = overridden(SamplingConfig.from(config, "sppo4j.sampling"));
        long samplingSeed = seed != null ? seed : config.getLong("sppo4j.seed");
        Device device = deviceOption.resolve(config);
        int copies = bestOf == null ? 1 : bestOf;
        String text;
        int[] promptIds;
        List<Generation.Sequence> sequences;
        List<String> responses = new ArrayList<>();
        double seconds;
        try (HfPolicyDirectory directory = HfPolicyDirectory.load("--policy", policy, adapterOption.setup(), device);
                NDManager manager = NDManager.newBaseManager(device)) {
            text = chat ? directory.requireChatTemplate().render(List.of(ChatMessage.user(prompt))) : prompt;
            promptIds = directory.tokenizer().encodePrompt(text);
            if (promptIds.length == 0) {
                throw new IllegalArgumentException("--prompt: the prompt encodes to no tokens and the tokenizer adds no BOS;"
                        + " give some text");
            }
            Sampler sampler = new Sampler(sampling, directory.tokenizer());
            long start = System.nanoTime();
            // N copies of the prompt in one batch: each row has its own seeded generator, so N different samples.
            Generation generation = sampler.generate(new PolicyLogits(directory.model()), manager,
                    Collections.nCopies(copies, promptIds), samplingSeed);
            seconds = (System.nanoTime() - start) / 1e9;
            sequences = generation.sequences();
            for (Generation.Sequence sequence : sequences) {
                responses.add(directory.tokenizer().decode(sequence.tokens()));
            }
        }
        Reranked reranked = bestOf == null ? null : rerank(config, text, responses);
        BestOfN best = reranked == null ? null : reranked.best();
        int chosen = best == null ? 0 : best.chosen();
        Generation.Sequence sequence = sequences.get(chosen);
        int newTokens = sequences.stream().mapToInt(s -> s.tokens().length).sum();
        if (json) {
            Map<String, Object> summary = new LinkedHashMap<>();
            summary.put("prompt_tokens", promptIds.length);
            // The ids the model saw, to compare tokenisation and chat rendering with another implementation.
            summary.put("prompt_ids", promptIds);
            summary.put("response", responses.get(chosen));
            summary.put("token_ids", sequence.tokens());
            summary.put("new_tokens", sequence.tokens().length);
            summary.put("stopped", sequence.endedWithEos());
            if (best != null) {
                List<Map<String, Object>> candidates = new ArrayList<>();
                for (int i = 0; i < responses.size(); i++) {
                    Map<String, Object> candidate = new LinkedHashMap<>();
                    candidate.put("response", responses.get(i));
                    candidate.put("score", best.scores()[i]);
                    candidate.put("new_tokens", sequences.get(i).tokens().length);
                    candidates.add(candidate);
                }
                summary.put("candidates", candidates);
                summary.put("chosen", chosen);
                summary.put("best_of", bestOf);
                summary.put("judge", reranked.judge());
            }
            summary.put("tokens_per_s", newTokens / Math.max(seconds, 1e-9));
            summary.put("seed", samplingSeed);
            summary.put("device", Devices.describe(device));
            System.out.println(Json.line(summary));
        } else {
            System.out.println(responses.get(chosen));
            System.err.printf("generate: %d prompt tokens, %d new tokens%s, %.1f tokens/s on %s%n",
                    promptIds.length, sequence.tokens().length, sequence.endedWithEos() ? " (stopped)" : "",
                    newTokens / Math.max(seconds, 1e-9), Devices.describe(device));
            if (best != null) {
                System.err.printf("generate: best of %d by judge %s: candidate %d (mean preference %.3f)%n",
                        bestOf, reranked.judge(), chosen, best.scores()[chosen]);
            }
        }
        return 0;
    }

    /** The judge's pick and the judge's name. */
    private record Reranked(BestOfN best, String judge) {}

    /** The configured judge's pick among the samples; the judge is loaded after the policy is gone. */
    private static Reranked rerank(Config config, String text, List<String> responses) {
        PreferenceModel preferences = Judges.fromConfig(config, HttpJudgeObserver.NONE);
        try {
            return new Reranked(BestOfN.choose(preferences, text, responses), preferences.name());
        } finally {
            if (preferences instanceof AutoCloseable closeable) {
                try {
                    closeable.close();
                } catch (Exception e) {
                    System.err.println("generate: closing the judge failed: " + e.getMessage());
                }
            }
        }
    }

    private SamplingConfig overridden(SamplingConfig configured) {
        try {
            SamplingConfig sampling = maxNewTokens == null ? configured : configured.withMaxNewTokens(maxNewTokens);
            return temperature == null ? sampling : new SamplingConfig(
                    temperature, sampling.topK(), sampling.topP(), sampling.maxNewTokens(), sampling.stopOnEos());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--max-new-tokens/--temperature: " + e.getMessage(), e);
        }
    }
}
