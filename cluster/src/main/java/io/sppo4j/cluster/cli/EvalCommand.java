package io.sppo4j.cluster.cli;


import ai.djl.Device;
import com.typesafe.config.Config;
import io.sppo4j.model.eval.BestOfN;
import io.sppo4j.model.eval.SampledResponses;
import io.sppo4j.model.hf.LoraSetup;
import io.sppo4j.model.judge.Judges;
import io.sppo4j.model.judge.PreferenceModel;
import io.sppo4j.model.judge.http.HttpJudgeObserver;
import io.sppo4j.model.nd.Devices;
import io.sppo4j.model.sampling.SamplingConfig;
import io.sppo4j.model.tokenizer.ChatTemplate;
import io.sppo4j.model.text.PromptDataset;
import io.sppo4j.model.text.PromptEntry;
import io.sppo4j.model.text.PromptsSettings;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "eval",
        mixinStandardHelpOptions = true,
        description = {
            "Win rate of Hugging Face policies against a reference on a prompt file, by the configured judge.",
            "Each policy answers every prompt once (same sampling settings and seed); the judge compares",
            "each pair. Prints the mean P(policy > reference) with a 95%% confidence interval, and the",
            "length-controlled win rate (AlpacaEval 2.0's GLM) with its bootstrap interval and length coefficient.",
            "--best-of N: each policy answers with the judge's best of N samples, against one plain sample of",
            "the reference (the policy itself unless --reference is given): the gain of reranking."
        })
final class EvalCommand implements Callable<Integer> {

    /** Keeps the best-of-N candidates' seeds apart from the plain samples' seeds. */
    private static final long BEST_OF_SEED = 0x5DEECE66DL;

    @Mixin
    ConfigOptions configOptions = new ConfigOptions();

    @Mixin
    DeviceOption deviceOption = new DeviceOption();

    @Mixin
    AdapterOption adapterOption = new AdapterOption();

    @Option(names = "--policy", required = true, paramLabel = "DIR",
            description = "Hugging Face directory of a policy evaluated; repeat it to evaluate several on the same prompts"
                    + " (their length control then shares AlpacaEval's per-instruction term).")
    List<Path> policies;

    @Option(names = "--reference", paramLabel = "DIR",
            description = "Hugging Face directory of the policy played against (required unless --best-of).")
    Path reference;

    @Option(names = "--prompts", required = true, paramLabel = "FILE",
            description = "Prompt file (.txt one per line, or .jsonl with \"prompt\" or \"messages\"); every prompt is used.")
    Path prompts;

    @Option(names = "--judge", paramLabel = "TYPE", description = "reward-model, http or pairrm (overrides sppo4j.judge.type).")
    String judge;

    @Option(names = "--best-of", paramLabel = "N", description = "Answer with the judge's best of N samples (N >= 2).")
    Integer bestOf;

    @Option(names = "--limit", paramLabel = "N", description = "Evaluate only the first N prompts of the file.")
    Integer limit;

    @Option(names = "--seed", paramLabel = "S", description = "Sampling seed of every policy (default: sppo4j.seed).")
    Long seed;

    @Option(names = "--batch", defaultValue = "8", paramLabel = "N", description = "Prompts sampled together (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--bootstrap", defaultValue = "1000", paramLabel = "N",
            description = "Bootstrap resamples of the length-controlled win rate's interval (default ${DEFAULT-VALUE}).")
    int bootstrap;

    @Option(names = "--json", description = "Print the JSON summary as the last stdout line.")
    boolean json;

    @Override
    public Integer call() {
        checkOptions();
        Config config = judge == null ? configOptions.load() : configOptions.load("sppo4j.judge.type=" + judge);
        // Before any sampling: a wrong judge should not cost the user a model's worth of generation.
        Judges.requireModelJudge(config, "a prompt file has no rule judge; evaluate with --judge reward-model, http or pairrm");
        Path referenceDirectory = reference != null ? reference : policies.get(0);
        for (Path policy : policies) {
            SharedVocabulary.require("--policy", policy, "--reference", referenceDirectory);
        }
        List<String> texts = promptTexts();
        SamplingConfig sampling = SamplingConfig.from(config, "sppo4j.sampling");
        long samplingSeed = seed != null ? seed : config.getLong("sppo4j.seed");
        Device device = deviceOption.resolve(config);
        LoraSetup adapted = adapterOption.setup();
        // Without --reference the policy plays itself: base and adapter alike.
        SampledResponses referenceAnswers = EvalSampling.sample("--reference", referenceDirectory,
                reference != null ? LoraSetup.NONE : adapted, texts, 1, sampling, samplingSeed, device, batch);
        PreferenceModel preferences = Judges.fromConfig(config, HttpJudgeObserver.NONE);
        // The HTTP judge is thread-safe and bounds its own requests; a model judge is asked one prompt at a time.
        int parallel = Judges.type(config) == Judges.Type.HTTP ? config.getInt("sppo4j.judge.http.max-concurrency") : 1;
        List<EvalReport.Policy> results = new ArrayList<>();
        try {
            for (Path policy : policies) {
                SampledResponses answers = bestOf == null
                        ? EvalSampling.sample("--policy", policy, adapted, texts, 1, sampling, samplingSeed, device, batch)
                        : bestOfN(policy, adapted, texts, preferences, parallel, sampling, samplingSeed, device);
                List<Double> scores = JudgedPrompts.map(texts.size(), parallel, "judged", i -> preferences.preferences(
                        texts.get(i), List.of(answers.texts().get(i), referenceAnswers.texts().get(i)))[0][1]);
                results.add(new EvalReport.Policy(policy, answers, scores.stream().mapToDouble(Double::doubleValue).toArray()));
            }
        } finally {
            if (preferences instanceof AutoCloseable closeable) {
                closeQuietly(closeable);
            }
        }
        Map<String, Object> summary = EvalReport.summary(results, referenceAnswers, samplingSeed, bootstrap);
        summary.put("judge", preferences.name());
        if (bestOf != null) {
            summary.put("best_of", bestOf);
        }
        summary.put("seed", samplingSeed);
        summary.put("device", Devices.describe(device));
        if (!json) {
            System.out.print(EvalReport.describe(results, summary, referenceDirectory, preferences.name()));
        }
        System.out.println(Json.line(summary));
        return 0;
    }

    private void checkOptions() {
        if (limit != null && limit < 1) {
            throw new IllegalArgumentException("--limit must be >= 1, got " + limit);
        }
        if (batch < 1) {
            throw new IllegalArgumentException("--batch must be >= 1, got " + batch);
        }
        if (bestOf != null && bestOf < 2) {
            throw new IllegalArgumentException("--best-of must be >= 2, got " + bestOf);
        }
        if (bootstrap < 0) {
            throw new IllegalArgumentException("--bootstrap must be >= 0, got " + bootstrap);
        }
        if (reference == null && bestOf == null) {
            throw new IllegalArgumentException("--reference is required (or --best-of N, which plays the policy's best of N"
                    + " against its own plain samples)");
        }
    }

    /** The judge's best of N samples per prompt, with the chosen answers' token counts. */
    private SampledResponses bestOfN(Path policy, LoraSetup adapted, List<String> texts, PreferenceModel preferences, int parallel,
            SamplingConfig sampling, long samplingSeed, Device device) {
        int n = bestOf;
        SampledResponses candidates = EvalSampling.sample("--policy", policy, adapted, texts, n, sampling,
                samplingSeed ^ BEST_OF_SEED, device, batch);
        List<BestOfN> picks = JudgedPrompts.map(texts.size(), parallel, "reranked", i -> BestOfN.choose(
                preferences, texts.get(i), candidates.texts().subList(i * n, i * n + n)));
        int[] counts = candidates.tokenCounts();
        List<String> answers = new ArrayList<>(texts.size());
        int[] answerCounts = new int[texts.size()];
        for (int i = 0; i < texts.size(); i++) {
            answers.add(picks.get(i).response());
            answerCounts[i] = counts[i * n + picks.get(i).chosen()];
        }
        return new SampledResponses(answers, answerCounts);
    }

    /** Every prompt of the file in file order (the dataset's split is not wanted here: nothing is held out). */
    private List<String> promptTexts() {
        try {
            PromptDataset dataset = PromptDataset.load(PromptsSettings.of(prompts), ChatTemplate.fromModelDirectory(policies.get(0)));
            List<String> texts = new ArrayList<>(dataset.training().stream().map(PromptEntry::prompt).toList());
            texts.addAll(dataset.heldOut());
            return limit == null || limit >= texts.size() ? texts : List.copyOf(texts.subList(0, limit));
        } catch (IOException e) {
            throw new UncheckedIOException("--prompts: cannot read " + prompts + ": " + e.getMessage(), e);
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
