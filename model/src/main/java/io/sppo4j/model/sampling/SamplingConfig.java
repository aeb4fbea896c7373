package io.sppo4j.model.sampling;

import com.typesafe.config.Config;
import io.sppo4j.model.config.ConfigReader;

/**
 * How a sampler turns logits into tokens.
 *
 * @param temperature divides logits before softmax; 0 means greedy (argmax)
 * @param topK keep only the k most likely tokens; 0 disables
 * @param topP keep the smallest set of most likely tokens whose mass reaches p; 1 disables
 * @param maxNewTokens most tokens generated per sequence, EOS included
 * @param stopOnEos end a sequence at its first EOS; false generates exactly maxNewTokens (benchmarks)
 */
public record SamplingConfig(float temperature, int topK, float topP, int maxNewTokens, boolean stopOnEos) {

    public SamplingConfig {
        if (!(temperature >= 0f) || Float.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be finite and >= 0, got " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("top-k must be >= 0 (0 disables), got " + topK);
        }
        if (!(topP > 0f && topP <= 1f)) {
            throw new IllegalArgumentException("top-p must be in (0, 1] (1 disables), got " + topP);
        }
        if (maxNewTokens <= 0) {
            throw new IllegalArgumentException("max-new-tokens must be positive, got " + maxNewTokens);
        }
    }

    /** Reads a sampling section such as {@code sppo4j.sampling}. */
    public static SamplingConfig from(Config config, String section) {
        ConfigReader sampling = new ConfigReader(config, section);
        return sampling.build(() -> new SamplingConfig(
                (float) sampling.getDouble("temperature"),
                sampling.nonNegativeInt("top-k"),
                (float) sampling.getDouble("top-p"),
                sampling.positiveInt("max-new-tokens"),
                sampling.getBoolean("stop-on-eos")));
    }

    /** Plain ancestral sampling at temperature 1: the sampling distribution is the policy. */
    public static SamplingConfig ancestral(int maxNewTokens) {
        return new SamplingConfig(1f, 0, 1f, maxNewTokens, true);
    }

    public boolean greedy() {
        return temperature == 0f;
    }

    public SamplingConfig withStopOnEos(boolean stop) {
        return new SamplingConfig(temperature, topK, topP, maxNewTokens, stop);
    }

    public SamplingConfig withMaxNewTokens(int tokens) {
        return new SamplingConfig(temperature, topK, topP, tokens, stopOnEos);
    }
}
