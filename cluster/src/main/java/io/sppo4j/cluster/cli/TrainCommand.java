package io.sppo4j.cluster.cli;

import io.sppo4j.cluster.setup.MemoryPlan;
import io.sppo4j.cluster.setup.TaskSetup;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.sppo4j.model.checkpoint.Checkpoint;
import io.sppo4j.model.hf.BaseChecksum;
import io.sppo4j.model.hf.HfCausalModel;
import io.sppo4j.model.hf.HfModels;
import io.sppo4j.model.hf.PeftAdapter;
import io.sppo4j.model.memory.AvailableMemory;
import io.sppo4j.model.memory.NativeHeapTrimmer;
import io.sppo4j.model.policy.LanguageModel;
import com.typesafe.config.Config;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.sppo4j.actors.Monitor;
import io.sppo4j.actors.Pipeline;
import io.sppo4j.actors.monitor.EvalRecord;
import io.sppo4j.actors.monitor.StepRecord;
import io.sppo4j.actors.settings.AlgorithmConfig;
import io.sppo4j.actors.settings.LearnerSettings;
import io.sppo4j.actors.settings.RolloutSettings;
import io.sppo4j.actors.settings.Schedule;
import io.sppo4j.cluster.local.LocalRun;
import io.sppo4j.cluster.metrics.MetricsServer;
import io.sppo4j.cluster.metrics.NativeHeapMetrics;
import io.sppo4j.cluster.report.TrainingReport;
import io.sppo4j.model.checkpoint.CheckpointStore;
import io.sppo4j.model.nd.DeviceChoice;
import io.sppo4j.model.nd.Devices;
import io.sppo4j.model.sft.SftConfig;
import io.sppo4j.model.task.game.Exploitability;
import io.sppo4j.model.task.game.GameTask;
import io.sppo4j.model.task.game.NashSolver;
import io.sppo4j.model.tokenizer.HfTokenizer;
import io.sppo4j.model.weights.WeightSnapshot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "train",
        mixinStandardHelpOptions = true,
        description = {
            "Train a policy by self-play preference optimisation, all roles in one JVM.",
            "With no arguments: the built-in sort task, SFT of the reference (cached), then SPPO with",
            "the async schedule. Writes metrics.csv and curves.png to the output directory."
        })
final class TrainCommand implements Callable<Integer> {

    /** The runnable profile read before any --config file, relative to the repository root. */
    static final String DEFAULT_PROFILE = "config/local.conf";

    @Mixin
    ConfigOptions configOptions = new ConfigOptions();

    @Option(names = "--out", paramLabel = "DIR", description = "Output directory (default: sppo4j.train.out).")
    Path out;

    @Option(names = "--fresh", description = "Ignore the learner's checkpoints in the output directory (the cached reference is kept).")
    boolean fresh;

    @Option(names = "--metrics-port", paramLabel = "PORT", description = "Serve Prometheus metrics on /metrics at this port (off unless given).")
    Integer metricsPort;

    @Option(names = "--json", description = "Print a JSON summary as the last stdout line.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        TaskSetup setup = TaskSetup.from(loadConfig());
        try (NativeHeapTrimmer trimmer = NativeHeapTrimmer.every(
                setup.config().getDuration("sppo4j.memory.trim-interval"))) {
            return train(setup, trimmer);
        }
    }

    private int train(TaskSetup setup, NativeHeapTrimmer trimmer) throws Exception {
        Config config = setup.config();
        Path outDir = out != null ? out : Path.of(config.getString("sppo4j.train.out"));
        Files.createDirectories(outDir);
        DeviceChoice learnerChoice = setup.deviceChoice("sppo4j.learner.device");
        DeviceChoice rolloutChoice = setup.deviceChoice("sppo4j.rollout.device");
        Device learnerDevice = learnerChoice.device();
        Device rolloutDevice = rolloutChoice.device();
        Schedule schedule = Schedule.from(config);
        LearnerSettings learner = LearnerSettings.from(config);
        RolloutSettings rollout = RolloutSettings.from(config);
        String algorithm = AlgorithmConfig.from(config).algorithm().configName();
        long started = System.nanoTime();
        // Refuse now, with the figures, what cannot fit, rather than fail an hour in.
        MemoryPlan.check(setup, Set.of("learner", "rollout", "judge"), System.err);

        // Sort's reference comes from SFT (cached); a game's is the initial near-uniform policy.
        ReferenceTraining.Result reference = setup.needsSft()
                ? ReferenceTraining.obtain(setup, SftConfig.from(config), learnerDevice, outDir.resolve("reference"))
                : null;
        WeightSnapshot referenceWeights = reference != null ? reference.weights() : setup.initialWeights();
        Path checkpointDir = outDir.resolve("checkpoints");
        if (fresh) {
            deleteCheckpoints(checkpointDir);
        }
        PrometheusRegistry registry = new PrometheusRegistry();
        NativeHeapMetrics.register(registry, trimmer);
        Pipeline.Setup pipeline = setup.pipeline(
                referenceWeights, new CheckpointStore(checkpointDir, learner.checkpointKeep()), registry);
        String title = String.format(Locale.ROOT, "%s · %s · %s", setup.task().name(), algorithm,
                schedule.kind().name().toLowerCase(Locale.ROOT));
        System.err.printf(Locale.ROOT, "train: %s, %d rollout worker(s) (K=%d), %d judge(s), learner on %s, rollouts on %s%n",
                title, rollout.workers(), rollout.groupSize(), pipeline.judges(), Devices.describe(learnerDevice),
                Devices.describe(rolloutDevice));
        for (DeviceChoice choice : List.of(learnerChoice, rolloutChoice)) {
            if (choice.automatic()) {
                System.err.println("train: " + choice.line());
            }
        }

        Monitor.Report report;
        try (MetricsServer server = metricsPort == null ? null
                : MetricsServer.start(config.getString("sppo4j.metrics.host"), metricsPort, registry)) {
            if (server != null) {
                System.err.printf("train: metrics on http://%s:%d/metrics%n", config.getString("sppo4j.metrics.host"), server.port());
            }
            report = LocalRun.run(pipeline, config, "sppo4j", config.getDuration("sppo4j.train.status-interval"),
                    progress -> {
                        System.err.println(StatusLine.format(progress, schedule, learner));
                        if (!progress.steps().isEmpty()) {
                            writeQuietly(outDir, title, progress);
                        }
                    });
        } catch (LocalRun.Failed failed) {
            // The curves so far are kept; the cause is one line (the learner logged the details).
            if (failed.report() != null) {
                writeQuietly(outDir, title, failed.report());
            }
            System.err.println("error: " + failed.getMessage());
            return 1;
        }
        TrainingReport.Written written = TrainingReport.write(outDir, title, report.steps(), report.evals());
        Map<String, Path> exported = exportPolicy(setup, pipeline.checkpoints(), outDir);
        Map<String, Object> summary = summarize(setup, report, reference, schedule, algorithm, learnerChoice,
                rolloutChoice, written, (System.nanoTime() - started) / 1e9);
        summary.put("peak_rss_mb", AvailableMemory.peakResidentBytes() >> 20);
        summary.put("native_heap_trims", trimmer.trims());
        summary.put("native_heap_released_mb", trimmer.releasedBytes() >> 20);
        summary.put("native_heap_trim_s", trimmer.trimSeconds());
        exported.forEach((key, directory) -> summary.put(key, directory.toString()));
        if (exported.containsKey("policy_dir")) {
            System.err.println("train: trained policy saved as a Hugging Face directory in " + exported.get("policy_dir"));
        }
        if (exported.containsKey("adapter_dir")) {
            System.err.println("train: LoRA adapter saved in peft's layout in " + exported.get("adapter_dir"));
        }
        System.err.printf(Locale.ROOT, "train: win rate vs reference %.3f (mean length %.2f vs %.2f) after %s steps; plot %s%n",
                summary.get("winrate_vs_ref"), summary.get("mean_len"), summary.get("ref_mean_len"), summary.get("steps"),
                written.plot());
        if (json) {
            System.out.println(Json.line(summary));
        }
        return 0;
    }

    private Config loadConfig() {
        return configOptions.loadOver(DEFAULT_PROFILE);
    }

    /**
     * The trained policy leaves as a Hugging Face directory ({@code OUT/policy}): the learner's
     * newest checkpoint written in the source's layout, dtypes and tokenizer files (the built-in
     * policy as a GPT-2 {@code config.json} and {@code model.safetensors}), so transformers loads
     * it; with LoRA, the adapters merged into the weights (unless {@code sppo4j.lora.save-merged}
     * is off) and the adapters alone in peft's layout ({@code OUT/adapter}). Returns the
     * directories by summary key.
     */
    private static Map<String, Path> exportPolicy(TaskSetup setup, CheckpointStore checkpoints, Path outDir)
            throws IOException {
        Checkpoint newest = checkpoints.loadNewest().orElseThrow(
                () -> new IllegalStateException("no learner checkpoint to export in " + checkpoints));
        Map<String, Path> exported = new LinkedHashMap<>();
        boolean lora = setup.lora().enabled();
        try (NDManager manager = NDManager.newBaseManager(Device.cpu());
                LanguageModel policy = setup.policyFactory().create(manager, Device.cpu())) {
            newest.restoreInto(policy);
            if (!lora || setup.config().getBoolean("sppo4j.lora.save-merged")) {
                HfModels.savePolicy(policy, outDir.resolve("policy"));
                exported.put("policy_dir", outDir.resolve("policy"));
            }
            if (lora) {
                Path base = Path.of(setup.config().getString("sppo4j.policy.path"));
                PeftAdapter.save((HfCausalModel) policy, outDir.resolve("adapter"), base.toString(), BaseChecksum.of(base));
                exported.put("adapter_dir", outDir.resolve("adapter"));
            }
        }
        return exported;
    }

    /** A periodic rewrite that fails only warns: the run matters more than its plot. */
    private static void writeQuietly(Path outDir, String title, Monitor.Report report) {
        try {
            TrainingReport.write(outDir, title, report.steps(), report.evals());
        } catch (IOException e) {
            System.err.println("train: could not rewrite the report: " + e.getMessage());
        }
    }

    private static Map<String, Object> summarize(
            TaskSetup setup, Monitor.Report report, ReferenceTraining.Result reference, Schedule schedule, String algorithm,
            DeviceChoice learnerDevice, DeviceChoice rolloutDevice, TrainingReport.Written written, double wallSeconds) {
        EvalRecord last = report.evals().isEmpty() ? null : report.evals().get(report.evals().size() - 1);
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("task", setup.task().name());
        summary.put("algorithm", algorithm);
        summary.put("schedule", schedule.kind().name().toLowerCase(Locale.ROOT));
        summary.put("winrate_vs_ref", last == null ? Double.NaN : last.winRate());
        summary.put("mean_len", last == null ? Double.NaN : last.meanLength());
        summary.put("ref_mean_len", last == null ? Double.NaN : last.referenceMeanLength());
        summary.put("eval_version", last == null ? -1 : last.version());
        Monitor.LearnerTotals totals = report.totals();
        summary.put("steps", totals.appliedSteps());
        summary.put("skipped_steps", totals.skippedSteps());
        summary.put("versions", totals.version());
        summary.put("samples", totals.samples());
        summary.put("dropped_stale", totals.droppedStale());
        summary.put("steps_this_run", report.steps().size());
        summary.put("mean_staleness", report.steps().stream().mapToDouble(StepRecord::meanStaleness).average().orElse(0));
        if (!schedule.async()) {
            List<Double> byIteration = new ArrayList<>();
            for (EvalRecord record : report.evals()) {
                if (record.version() >= 1) {
                    byIteration.add(record.winRate());
                }
            }
            summary.put("winrate_by_iteration", byIteration);
        }
        if (setup.tokenizer() instanceof HfTokenizer tokenizer && tokenizer.maxPromptTokens() > 0) {
            // Cut by this process's samplers and evaluator; in a cluster, each node counts its own.
            summary.put("prompts_cut", tokenizer.promptsCut());
            summary.put("max_prompt_tokens", tokenizer.maxPromptTokens());
        }
        if (reference != null) {
            summary.put("reference_reused", reference.reused());
            summary.put("reference_exact_match", reference.quality().exactMatch());
        }
        if (setup.task() instanceof GameTask game && report.distribution() != null) {
            double[][] preferences = game.game().preferences();
            summary.put("game", game.game().name());
            summary.put("nash", NashSolver.solve(preferences));
            summary.put("last", report.distribution().last());
            summary.put("average", report.distribution().average());
            summary.put("exploitability_last", Exploitability.of(preferences, report.distribution().last()));
            summary.put("exploitability_average", Exploitability.of(preferences, report.distribution().average()));
        }
        summary.put("learner_device", learnerDevice.name());
        summary.put("rollout_device", rolloutDevice.name());
        Map<String, Object> devices = new LinkedHashMap<>();
        devices.put("learner", learnerDevice.summary());
        devices.put("rollout", rolloutDevice.summary());
        summary.put("devices", devices);
        summary.put("metrics_csv", written.csv().toString());
        summary.put("plot", written.plot().toString());
        summary.put("wall_s", wallSeconds);
        return summary;
    }

    private static void deleteCheckpoints(Path directory) throws IOException {
        if (!Files.isDirectory(directory)) {
            return;
        }
        try (var walk = Files.walk(directory)) {
            for (Path path : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
