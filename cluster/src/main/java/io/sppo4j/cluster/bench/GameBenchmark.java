package io.sppo4j.cluster.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.sppo4j.actors.Monitor;
import io.sppo4j.actors.Pipeline;
import io.sppo4j.actors.RunSetup;
import io.sppo4j.actors.metrics.PipelineMetrics;
import io.sppo4j.actors.settings.AlgorithmConfig;
import io.sppo4j.actors.settings.EvalSettings;
import io.sppo4j.actors.settings.LearnerSettings;
import io.sppo4j.actors.settings.RolloutSettings;
import io.sppo4j.actors.settings.Schedule;
import io.sppo4j.actors.settings.SkippedStepBound;
import io.sppo4j.cluster.local.LocalRun;
import io.sppo4j.model.config.ConfigReader;
import io.sppo4j.model.optim.AdamWConfig;
import io.sppo4j.model.policy.LanguageModel;
import io.sppo4j.model.policy.PolicyConfig;
import io.sppo4j.model.policy.PolicyFactory;
import io.sppo4j.model.hf.HfModels;
import io.sppo4j.model.sampling.SamplingConfig;
import io.sppo4j.model.task.game.Exploitability;
import io.sppo4j.model.task.game.GameTask;
import io.sppo4j.model.task.game.NashSolver;
import io.sppo4j.model.task.game.PreferenceGame;
import io.sppo4j.model.train.Algorithm;
import io.sppo4j.model.weights.TensorEncoding;
import io.sppo4j.model.weights.WeightSnapshot;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Each method trains the real transformer policy, through the real actors and losses, on a
 * preference game whose exact Nash equilibrium is known; the policy generates one token, so its
 * distribution over the responses is exact and so is its exploitability. Every method gets the
 * same number of judged samples.
 */
public final class GameBenchmark {

    /**
     * The benchmark's budget and policy ({@code sppo4j.bench.game}).
     *
     * @param steps learner steps per method
     * @param groupSize K responses per group
     * @param groupsPerStep groups per learner step
     * @param learningRate AdamW learning rate
     * @param width policy width
     */
    public record Budget(int steps, int groupSize, int groupsPerStep, float learningRate, int width) {

        public static Budget from(Config config) {
            ConfigReader game = new ConfigReader(config, "sppo4j.bench.game");
            return new Budget(game.positiveInt("steps"), game.positiveInt("group-size"),
                    game.positiveInt("groups-per-step"), game.floatIn("learning-rate", 1e-9, 1), game.positiveInt("width"));
        }

        public Budget withSteps(int newSteps) {
            return new Budget(newSteps, groupSize, groupsPerStep, learningRate, width);
        }
    }

    private final Config config;
    private final Budget budget;
    private final long seed;

    public GameBenchmark(Config config, Budget budget, long seed) {
        this.config = config;
        this.budget = budget;
        this.seed = seed;
    }

    public Map<String, Object> run(PreferenceGame game, List<Algorithm> algorithms, Consumer<String> progress)
            throws Exception {
        double[] nash = NashSolver.solve(game.preferences());
        Map<String, Object> results = new LinkedHashMap<>();
        for (Algorithm algorithm : algorithms) {
            long started = System.nanoTime();
            Monitor.Report report = train(game, algorithm);
            Monitor.PolicyDistribution distribution = report.distribution();
            double seconds = (System.nanoTime() - started) / 1e9;
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("last", distribution.last());
            result.put("average", distribution.average());
            result.put("exploitability_last", Exploitability.of(game.preferences(), distribution.last()));
            result.put("exploitability_average", Exploitability.of(game.preferences(), distribution.average()));
            result.put("steps", report.totals().appliedSteps());
            result.put("skipped_steps", report.totals().skippedSteps());
            result.put("wall_s", seconds);
            results.put(algorithm.configName(), result);
            progress.accept(String.format(Locale.ROOT, "%-9s exploitability last %.4f, average %.4f (%.1f s)",
                    algorithm.configName(), result.get("exploitability_last"), result.get("exploitability_average"), seconds));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("benchmark", "game");
        out.put("game", game.name());
        out.put("responses", game.responses());
        out.put("nash", nash);
        out.put("budget", budget);
        out.put("seed", seed);
        out.put("results", results);
        return out;
    }

    private Monitor.Report train(PreferenceGame game, Algorithm algorithm) throws Exception {
        GameTask task = new GameTask(game);
        int[] responseIds = task.tokenizer().responseIds();
        // Prompt [BOS] and one response token: the context never needs more than two positions.
        PolicyConfig policyConfig = new PolicyConfig(task.tokenizer().vocabSize(), budget.width(), 1, 2, 4, 0f);
        PolicyFactory factory = PolicyFactory.constrained(HfModels.builtIn(policyConfig, seed), responseIds);
        WeightSnapshot reference;
        try (NDManager manager = NDManager.newBaseManager(Device.cpu());
                LanguageModel initial = factory.create(manager, Device.cpu())) {
            reference = WeightSnapshot.export(initial, 0, TensorEncoding.FP32);
        }
        // The benchmark's own method settings stand in for sppo4j.<method>, tuned for sort.
        Config gameConfig = config.getConfig("sppo4j.bench.game.hyperparameters").atPath("sppo4j").withFallback(config);
        AlgorithmConfig settings = AlgorithmConfig.from(
                gameConfig.withValue("sppo4j.algorithm", ConfigValueFactory.fromAnyRef(algorithm.configName())));
        // No bound on skipped steps: pairwise methods that collapse to one response run out of pairs
        // by design, and the benchmark reports how many steps they skipped rather than stop.
        LearnerSettings learner = new LearnerSettings(
                2 * budget.groupsPerStep(), budget.groupsPerStep(), 4, 1, Integer.MAX_VALUE, 1, budget.steps(),
                AdamWConfig.DEFAULTS.withLearningRate(budget.learningRate()).withWeightDecay(0f), 0,
                Duration.ofSeconds(60), TensorEncoding.FP32, Duration.ZERO, new SkippedStepBound(1.0, 1));
        RolloutSettings rollout = new RolloutSettings(
                1, budget.groupSize(), budget.groupsPerStep(), 2 * budget.groupsPerStep(),
                new SamplingConfig(1f, 0, 1f, 1, false));
        RunSetup run = new RunSetup(task, task.tokenizer(), factory, policyConfig, reference, settings, seed, 1);
        Pipeline.Setup setup = new Pipeline.Setup(
                run, new Schedule(Schedule.Kind.ASYNC, 1, 1, 1), learner, Device.cpu(), null, rollout, Device.cpu(), 1,
                new EvalSettings(budget.steps(), 32, 32), PipelineMetrics.register(new PrometheusRegistry()));
        return LocalRun.run(setup, config, "bench-game", Duration.ofSeconds(30), ignored -> { });
    }
}
