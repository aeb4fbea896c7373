package io.sppo4j.cluster.setup;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.sppo4j.actors.Pipeline;
import io.sppo4j.actors.metrics.PipelineMetrics;
import io.sppo4j.actors.settings.AlgorithmSettings;
import io.sppo4j.actors.settings.EvalSettings;
import io.sppo4j.actors.settings.LearnerSettings;
import io.sppo4j.actors.settings.RolloutSettings;
import io.sppo4j.actors.settings.Schedule;
import io.sppo4j.model.checkpoint.CheckpointStore;
import io.sppo4j.model.config.ConfigReader;
import io.sppo4j.model.nd.Devices;
import io.sppo4j.model.policy.ConstrainedModel;
import io.sppo4j.model.policy.LanguageModel;
import io.sppo4j.model.policy.PolicyConfig;
import io.sppo4j.model.policy.PolicyFactory;
import io.sppo4j.model.policy.TransformerPolicy;
import io.sppo4j.model.task.Task;
import io.sppo4j.model.task.game.BuiltinGames;
import io.sppo4j.model.task.game.GameTask;
import io.sppo4j.model.task.game.PreferenceGame;
import io.sppo4j.model.task.sort.SortTask;
import io.sppo4j.model.task.sort.SortTaskConfig;
import io.sppo4j.model.tokenizer.ByteTokenizer;
import io.sppo4j.model.tokenizer.Tokenizer;
import io.sppo4j.model.weights.TensorEncoding;
import io.sppo4j.model.weights.WeightSnapshot;

import java.nio.file.Path;

/**
 * What every command derives from the configuration for the task it runs ({@code sppo4j.task}):
 * the task, its tokenizer, the policy's shape and how to build it.
 *
 * @param needsSft whether the reference policy comes from supervised fine-tuning (sort) or is
 *     the initial policy itself (a game's near-uniform softmax)
 */
public record TaskSetup(
        Config config, Tokenizer tokenizer, PolicyConfig policyConfig, Task task, PolicyFactory policyFactory,
        long seed, boolean needsSft) {

    public static TaskSetup from(Config config) {
        long seed = config.getLong("sppo4j.seed");
        String name = config.getString("sppo4j.task");
        switch (name) {
            case "sort" -> {
                ByteTokenizer tokenizer = new ByteTokenizer();
                PolicyConfig policy = PolicyConfig.from(config, tokenizer.vocabSize());
                return new TaskSetup(config, tokenizer, policy, new SortTask(SortTaskConfig.from(config)),
                        PolicyFactory.transformer(policy, seed), seed, true);
            }
            case "game" -> {
                GameTask task = new GameTask(game(config));
                PolicyConfig policy = PolicyConfig.from(config, task.tokenizer().vocabSize());
                int[] responses = task.tokenizer().responseIds();
                // The policy may only answer with a move, so its distribution over moves is exact.
                PolicyFactory factory = (parent, device) ->
                        new ConstrainedModel(TransformerPolicy.create(policy, seed, parent, device), responses);
                return new TaskSetup(config, task.tokenizer(), policy, task, factory, seed, false);
            }
            default -> throw new IllegalArgumentException("sppo4j.task: unknown task '" + name
                    + "'; built-in tasks: sort, game (" + config.getValue("sppo4j.task").origin().description() + ")");
        }
    }

    /** {@code sppo4j.tasks.game}: a JSON matrix file if given, else a built-in game by name. */
    private static PreferenceGame game(Config config) {
        String matrix = config.getString("sppo4j.tasks.game.matrix");
        return matrix.isBlank() ? BuiltinGames.get(config.getString("sppo4j.tasks.game.name"))
                : PreferenceGame.fromJson(Path.of(matrix));
    }

    /** The device a role's setting names, e.g. {@code sppo4j.learner.device}. */
    public Device device(String key) {
        return Devices.parse(config.getString(key), key);
    }

    /** The policy as initialised from the seed, as version 0. */
    public WeightSnapshot initialWeights() {
        try (NDManager manager = NDManager.newBaseManager();
                LanguageModel policy = policyFactory.create(manager, Device.cpu())) {
            return WeightSnapshot.export(policy, 0, TensorEncoding.FP32);
        }
    }

    /**
     * Every role of a one-JVM run as the configuration describes it.
     *
     * @param checkpoints the learner's checkpoints, or null for none
     */
    public Pipeline.Setup pipeline(WeightSnapshot reference, CheckpointStore checkpoints, PrometheusRegistry registry) {
        return new Pipeline.Setup(
                task, tokenizer, policyFactory, policyConfig, reference,
                Schedule.from(config), LearnerSettings.from(config), RolloutSettings.from(config),
                new ConfigReader(config, "sppo4j.judge").positiveInt("workers"), EvalSettings.from(config),
                AlgorithmSettings.from(config), seed, device("sppo4j.learner.device"), device("sppo4j.rollout.device"),
                checkpoints, config.getInt("sppo4j.torch.threads-per-actor"), PipelineMetrics.register(registry));
    }

    /** The same setup with one key changed (a benchmark's method or step budget). */
    public TaskSetup with(String key, Object value) {
        return from(config.withValue(key, ConfigValueFactory.fromAnyRef(value)));
    }
}
