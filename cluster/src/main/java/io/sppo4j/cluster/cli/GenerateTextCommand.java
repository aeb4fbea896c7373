package io.sppo4j.cluster.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.typesafe.config.Config;
import io.sppo4j.model.nd.Devices;
import io.sppo4j.model.sampling.Generation;
import io.sppo4j.model.sampling.PolicyLogits;
import io.sppo4j.model.sampling.Sampler;
import io.sppo4j.model.sampling.SamplingConfig;
import io.sppo4j.model.text.ChatMessage;

import java.nio.file.Path;
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
            "Sampling follows sppo4j.sampling (temperature, top-k, top-p, max-new-tokens)."
        })
final class GenerateTextCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions configOptions = new ConfigOptions();

    @Mixin
    DeviceOption deviceOption = new DeviceOption();

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

    @Option(names = "--json", description = "Print a JSON object (prompt token count and ids, response, token ids, tokens/s) instead of the text.")
    boolean json;

    @Override
    public Integer call() {
        Config config = configOptions.load();
        SamplingConfig sampling = overridden(SamplingConfig.from(config, "sppo4j.sampling"));
        long samplingSeed = seed != null ? seed : config.getLong("sppo4j.seed");
        Device device = deviceOption.resolve(config);
        try (HfPolicyDirectory directory = HfPolicyDirectory.load("--policy", policy, device);
                NDManager manager = NDManager.newBaseManager(device)) {
            String text = chat ? directory.requireChatTemplate().render(List.of(ChatMessage.user(prompt))) : prompt;
            int[] promptIds = directory.tokenizer().encodePrompt(text);
            if (promptIds.length == 0) {
                throw new IllegalArgumentException("--prompt: the prompt encodes to no tokens and the tokenizer adds no BOS;"
                        + " give some text");
            }
            Sampler sampler = new Sampler(sampling, directory.tokenizer());
            long start = System.nanoTime();
            Generation generation = sampler.generate(new PolicyLogits(directory.model()), manager, List.of(promptIds), samplingSeed);
            double seconds = (System.nanoTime() - start) / 1e9;
            Generation.Sequence sequence = generation.sequences().get(0);
            String response = directory.tokenizer().decode(sequence.tokens());
            if (json) {
                Map<String, Object> summary = new LinkedHashMap<>();
                summary.put("prompt_tokens", promptIds.length);
                // The ids the model saw, to compare tokenisation and chat rendering with another implementation.
                summary.put("prompt_ids", promptIds);
                summary.put("response", response);
                summary.put("token_ids", sequence.tokens());
                summary.put("new_tokens", sequence.tokens().length);
                summary.put("stopped", sequence.endedWithEos());
                summary.put("tokens_per_s", sequence.tokens().length / Math.max(seconds, 1e-9));
                summary.put("seed", samplingSeed);
                summary.put("device", Devices.describe(device));
                System.out.println(Json.line(summary));
            } else {
                System.out.println(response);
                System.err.printf("generate: %d prompt tokens, %d new tokens%s, %.1f tokens/s on %s%n",
                        promptIds.length, sequence.tokens().length, sequence.endedWithEos() ? " (stopped)" : "",
                        sequence.tokens().length / Math.max(seconds, 1e-9), Devices.describe(device));
            }
        }
        return 0;
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
