package io.sppo4j.cluster.cli;

import io.sppo4j.cluster.setup.Judging;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.typesafe.config.Config;
import io.sppo4j.model.eval.SampledResponses;
import io.sppo4j.model.eval.WinRate;
import io.sppo4j.model.judge.Judges;
import io.sppo4j.model.judge.PreferenceModel;
import io.sppo4j.model.judge.http.HttpJudgeObserver;
import io.sppo4j.model.nd.Devices;
import io.sppo4j.model.sampling.Sampler;
import io.sppo4j.model.sampling.SamplingConfig;
import io.sppo4j.model.text.ChatTemplate;
import io.sppo4j.model.text.PromptDataset;
import io.sppo4j.model.text.PromptEntry;
import io.sppo4j.model.text.PromptsConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "eval",
        mixinStandardHelpOptions = true,
        description = {
            "Win rate of one Hugging Face policy against another on a prompt file, by the configured judge.",
            "Each policy answers every prompt once (same sampling settings and seed); the judge compares",
            "each pair. Prints the mean P(policy > reference) with a 95%% confidence interval."
        })
final class EvalCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions configOptions = new ConfigOptions();

    @Mixin
    DeviceOption deviceOption = new DeviceOption();

    @Option(names = "--policy", required = true, paramLabel = "DIR", description = "Hugging Face directory of the policy evaluated.")
    Path policy;

    @Option(names = "--reference", required = true, paramLabel = "DIR", description = "Hugging Face directory of the policy it plays against.")
    Path reference;

    @Option(names = "--prompts", required = true, paramLabel = "FILE",
            description = "Prompt file (.txt one per line, or .jsonl with \"prompt\" or \"messages\"); every prompt is used.")
    Path prompts;

    @Option(names = "--judge", paramLabel = "TYPE", description = "reward-model or http (overrides sppo4j.judge.type).")
    String judge;

    @Option(names = "--limit", paramLabel = "N", description = "Evaluate only the first N prompts of the file.")
    Integer limit;

    @Option(names = "--seed", paramLabel = "S", description = "Sampling seed of both policies (default: sppo4j.seed).")
    Long seed;

    @Option(names = "--batch", defaultValue = "8", paramLabel = "N", description = "Prompts sampled together (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--json", description = "Print the JSON summary as the last stdout line.")
    boolean json;

    @Override
    public Integer call() {
        if (limit != null && limit < 1) {
            throw new IllegalArgumentException("--limit must be >= 1, got " + limit);
        }
        if (batch < 1) {
            throw new IllegalArgumentException("--batch must be >= 1, got " + batch);
        }
        Config config = judge == null ? configOptions.load() : configOptions.load("sppo4j.judge.type=" + judge);
        // Before any sampling: a wrong judge should not cost the user a model's worth of generation.
        Judging.requireModelJudge(config, "a prompt file has no rule judge; evaluate with --judge reward-model or http");
        SharedVocabulary.require("--policy", policy, "--reference", reference);
        List<String> texts = promptTexts();
        SamplingConfig sampling = SamplingConfig.from(config, "sppo4j.sampling");
        long samplingSeed = seed != null ? seed : config.getLong("sppo4j.seed");
        Device device = deviceOption.resolve(config);
        SampledResponses policyResponses = sample("--policy", policy, texts, sampling, samplingSeed, device);
        SampledResponses referenceResponses = sample("--reference", reference, texts, sampling, samplingSeed, device);
        PreferenceModel preferences = Judging.fromConfig(config, HttpJudgeObserver.NONE);
        // The HTTP judge is thread-safe and bounds its own requests; a reward model is asked one prompt at a time.
        int parallel = Judges.type(config) == Judges.Type.HTTP ? config.getInt("sppo4j.judge.http.max-concurrency") : 1;
        WinRate winRate;
        try {
            winRate = judge(preferences, texts, policyResponses.texts(), referenceResponses.texts(), parallel);
        } finally {
            if (preferences instanceof AutoCloseable closeable) {
                closeQuietly(closeable);
            }
        }
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("winrate", winRate.mean());
        summary.put("ci95", new double[] {winRate.low(), winRate.high()});
        summary.put("prompts", winRate.prompts());
        summary.put("mean_len", policyResponses.meanLength());
        summary.put("ref_mean_len", referenceResponses.meanLength());
        summary.put("judge", preferences.name());
        summary.put("seed", samplingSeed);
        summary.put("device", Devices.describe(device));
        if (!json) {
            System.out.printf(Locale.ROOT, "win rate of %s against %s: %.3f (95%% CI %.3f to %.3f) over %d prompts, judge %s%n",
                    policy, reference, winRate.mean(), winRate.low(), winRate.high(), winRate.prompts(), preferences.name());
        }
        System.out.println(Json.line(summary));
        return 0;
    }

    /** Every prompt of the file in file order (the dataset's split is not wanted here: nothing is held out). */
    private List<String> promptTexts() {
        try {
            PromptDataset dataset = PromptDataset.load(PromptsConfig.of(prompts), ChatTemplate.fromModelDirectory(policy));
            List<String> texts = new ArrayList<>(dataset.training().stream().map(PromptEntry::prompt).toList());
            texts.addAll(dataset.heldOut());
            return limit == null || limit >= texts.size() ? texts : List.copyOf(texts.subList(0, limit));
        } catch (IOException e) {
            throw new UncheckedIOException("--prompts: cannot read " + prompts + ": " + e.getMessage(), e);
        }
    }

    /**
     * One response per prompt, one policy in memory at a time. Batch {@code b} is seeded with the
     * b-th draw of the seed's generator, so both policies see the same seeds on the same prompts.
     */
    private SampledResponses sample(String option, Path directory, List<String> texts, SamplingConfig sampling, long samplingSeed,
            Device device) {
        List<String> responses = new ArrayList<>(texts.size());
        double tokens = 0;
        SplittableRandom seeds = new SplittableRandom(samplingSeed);
        try (HfPolicyDirectory loaded = HfPolicyDirectory.load(option, directory, device);
                NDManager manager = NDManager.newBaseManager(device)) {
            Sampler sampler = new Sampler(sampling, loaded.tokenizer());
            for (int start = 0; start < texts.size(); start += batch) {
                List<String> chunk = texts.subList(start, Math.min(texts.size(), start + batch));
                SampledResponses sampled = SampledResponses.sample(
                        loaded.model(), loaded.tokenizer(), sampler, manager, chunk, chunk.size(), seeds.nextLong());
                responses.addAll(sampled.texts());
                tokens += sampled.meanLength() * chunk.size();
                System.err.printf("eval: %s sampled %d/%d prompts%n", option.substring(2), responses.size(), texts.size());
            }
        }
        return new SampledResponses(responses, tokens / texts.size());
    }

    /**
     * P(policy ≻ reference) per prompt, as {@link WinRate#judge} reads it ({@code P[0][1]} of the
     * pair), {@code parallel} prompts at a time, with progress on stderr.
     */
    private static WinRate judge(PreferenceModel preferences, List<String> texts, List<String> policyResponses,
            List<String> referenceResponses, int parallel) {
        ExecutorService pool = Executors.newFixedThreadPool(parallel);
        try {
            List<Future<Double>> pending = new ArrayList<>(texts.size());
            for (int i = 0; i < texts.size(); i++) {
                List<String> pair = List.of(policyResponses.get(i), referenceResponses.get(i));
                String prompt = texts.get(i);
                pending.add(pool.submit(() -> preferences.preferences(prompt, pair)[0][1]));
            }
            double[] scores = new double[texts.size()];
            int every = Math.max(1, texts.size() / 20);
            for (int i = 0; i < scores.length; i++) {
                scores[i] = pending.get(i).get();
                if ((i + 1) % every == 0 || i + 1 == scores.length) {
                    System.err.printf("eval: judged %d/%d prompts%n", i + 1, scores.length);
                }
            }
            return WinRate.of(scores);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException failure) {
                throw failure;
            }
            throw new IllegalStateException("judging failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while judging", e);
        } finally {
            pool.shutdownNow();
        }
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            System.err.println("eval: closing the judge failed: " + e.getMessage());
        }
    }
}
