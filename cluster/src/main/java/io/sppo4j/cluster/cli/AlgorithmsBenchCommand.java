package io.sppo4j.cluster.cli;

import io.sppo4j.cluster.setup.TaskSetup;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.sppo4j.actors.Monitor;
import io.sppo4j.actors.monitor.EvalRecord;
import io.sppo4j.actors.settings.LearnerSettings;
import io.sppo4j.actors.settings.RolloutSettings;
import io.sppo4j.cluster.local.LocalRun;
import io.sppo4j.model.sft.SftConfig;
import io.sppo4j.model.train.Algorithm;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "algorithms",
        mixinStandardHelpOptions = true,
        description = {
            "Every method on the sort task from the same SFT reference and the same number of judged samples.",
            "Reports winrate_vs_ref, mean_len and wall time per method as JSON."
        })
final class AlgorithmsBenchCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions configOptions = new ConfigOptions();

    @Option(names = "--algos", split = ",", description = "Methods to run (default: all).")
    List<String> algorithms = new ArrayList<>();

    @Option(names = "--steps", description = "Learner steps per method (default: sppo4j.bench.algorithms.steps).")
    Integer steps;

    @Option(names = "--out", paramLabel = "DIR", description = "Output directory (default: sppo4j.bench.algorithms.out).")
    Path out;

    @Option(names = "--json", description = "Print the JSON summary as the last stdout line.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        TaskSetup base = TaskSetup.from(configOptions.load());
        int budget = steps != null ? steps : base.config().getInt("sppo4j.bench.algorithms.steps");
        Path outDir = out != null ? out : Path.of(base.config().getString("sppo4j.bench.algorithms.out"));
        List<Algorithm> methods = algorithms.isEmpty() ? List.of(Algorithm.values())
                : algorithms.stream().map(name -> Algorithm.parse(name, "--algos")).toList();
        ReferenceTraining.Result reference = ReferenceTraining.obtain(
                base, SftConfig.from(base.config()), base.device("sppo4j.learner.device"), outDir.resolve("reference"));
        LearnerSettings learner = LearnerSettings.from(base.config());
        RolloutSettings rollout = RolloutSettings.from(base.config());
        long judgedSamples = (long) budget * learner.groupsPerStep() * rollout.groupSize();
        Map<String, Object> results = new LinkedHashMap<>();
        for (Algorithm algorithm : methods) {
            TaskSetup setup = base.with("sppo4j.algorithm", algorithm.configName())
                    .with("sppo4j.learner.max-steps", budget);
            long started = System.nanoTime();
            Monitor.Report report = LocalRun.run(setup.pipeline(reference.weights(), null, new PrometheusRegistry()),
                    setup.config(), "bench-algorithms", Duration.ofMinutes(1), ignored -> { });
            double seconds = (System.nanoTime() - started) / 1e9;
            EvalRecord last = report.evals().get(report.evals().size() - 1);
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("winrate_vs_ref", last.winRate());
            result.put("mean_len", last.meanLength());
            result.put("ref_mean_len", last.referenceMeanLength());
            result.put("steps", report.totals().appliedSteps());
            result.put("skipped_steps", report.totals().skippedSteps());
            result.put("samples", report.totals().samples());
            result.put("wall_s", seconds);
            results.put(algorithm.configName(), result);
            System.err.printf(Locale.ROOT, "bench algorithms: %-9s win rate %.3f, mean length %.2f (reference %.2f), %.1f s%n",
                    algorithm.configName(), last.winRate(), last.meanLength(), last.referenceMeanLength(), seconds);
        }
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("benchmark", "algorithms");
        summary.put("task", "sort");
        summary.put("steps_per_method", budget);
        summary.put("judged_samples_per_method", judgedSamples);
        summary.put("reference_exact_match", reference.quality().exactMatch());
        summary.put("results", results);
        if (json) {
            System.out.println(Json.line(summary));
        }
        return 0;
    }
}
