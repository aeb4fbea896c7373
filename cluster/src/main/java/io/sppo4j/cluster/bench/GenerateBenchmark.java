package io.sppo4j.cluster.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import io.sppo4j.model.nd.Devices;
import io.sppo4j.model.policy.LanguageModel;
import io.sppo4j.model.sampling.Generation;
import io.sppo4j.model.sampling.PolicyLogits;
import io.sppo4j.model.sampling.Sampler;
import io.sppo4j.model.sampling.SamplingConfig;
import io.sppo4j.model.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Decoding throughput with the KV cache against full recomputation of the prefix at every
 * step, measured side by side: the two modes alternate, after one warm-up run each, so a
 * noisy neighbour slows both rather than one.
 */
public final class GenerateBenchmark {

    private final LanguageModel policy;
    private final Tokenizer tokenizer;
    private final List<String> prompts;
    private final int newTokens;
    private final int repeats;
    private final long seed;

    public GenerateBenchmark(
            LanguageModel policy, Tokenizer tokenizer, List<String> prompts, int newTokens, int repeats, long seed) {
        this.policy = policy;
        this.tokenizer = tokenizer;
        this.prompts = prompts;
        this.newTokens = newTokens;
        this.repeats = repeats;
        this.seed = seed;
    }

    /** Runs the benchmark and returns its JSON fields; {@code progress} receives one line per run. */
    public Map<String, Object> run(Consumer<String> progress) {
        List<int[]> ids = new ArrayList<>();
        for (String prompt : prompts) {
            ids.add(tokenizer.encodePrompt(prompt));
        }
        // EOS is ignored so that every sequence decodes exactly newTokens positions.
        Sampler sampler = new Sampler(new SamplingConfig(1f, 0, 1f, newTokens, false), tokenizer);
        PolicyLogits source = new PolicyLogits(policy);
        double[] cached = new double[repeats];
        double[] recomputed = new double[repeats];
        boolean identical = true;
        try (NDManager manager = policy.manager().newSubManager()) {
            Generation warmCached = time(sampler, source, manager, ids, true, null);
            Generation warmRecomputed = time(sampler, source, manager, ids, false, null);
            identical &= sameTokens(warmCached, warmRecomputed);
            progress.accept("warm-up done");
            for (int r = 0; r < repeats; r++) {
                double[] kv = new double[1];
                double[] full = new double[1];
                Generation a = time(sampler, source, manager, ids, true, kv);
                Generation b = time(sampler, source, manager, ids, false, full);
                identical &= sameTokens(a, b);
                cached[r] = kv[0];
                recomputed[r] = full[0];
                progress.accept(String.format(java.util.Locale.ROOT,
                        "run %d/%d: kv %.3f s, recompute %.3f s", r + 1, repeats, kv[0], full[0]));
            }
        }
        long tokens = (long) prompts.size() * newTokens;
        double kvSeconds = median(cached);
        double recomputeSeconds = median(recomputed);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("benchmark", "generate");
        result.put("device", Devices.describe(policy.device()));
        result.put("engine", Engine.getInstance().getEngineName() + " " + Engine.getInstance().getVersion());
        result.put("batch", prompts.size());
        result.put("new_tokens", newTokens);
        result.put("prompt_tokens_min", ids.stream().mapToInt(a -> a.length).min().orElse(0));
        result.put("prompt_tokens_max", ids.stream().mapToInt(a -> a.length).max().orElse(0));
        result.put("repeats", repeats);
        result.put("kv_seconds", cached);
        result.put("recompute_seconds", recomputed);
        result.put("kv_tokens_per_s", tokens / kvSeconds);
        result.put("recompute_tokens_per_s", tokens / recomputeSeconds);
        result.put("speedup", recomputeSeconds / kvSeconds);
        result.put("tokens_identical", identical);
        return result;
    }

    private Generation time(
            Sampler sampler, PolicyLogits source, NDManager manager, List<int[]> ids, boolean cache, double[] seconds) {
        long start = System.nanoTime();
        Generation generation = sampler.generate(source, manager, ids, seed, cache);
        if (seconds != null) {
            seconds[0] = (System.nanoTime() - start) / 1e9;
        }
        return generation;
    }

    private static boolean sameTokens(Generation a, Generation b) {
        for (int i = 0; i < a.sequences().size(); i++) {
            if (!Arrays.equals(a.sequences().get(i).tokens(), b.sequences().get(i).tokens())) {
                return false;
            }
        }
        return true;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
