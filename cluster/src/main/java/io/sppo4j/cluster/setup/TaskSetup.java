package io.sppo4j.cluster.setup;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.sppo4j.actors.Pipeline;
import io.sppo4j.actors.RunSetup;
import io.sppo4j.actors.metrics.PipelineMetrics;
import io.sppo4j.actors.settings.AlgorithmConfig;
import io.sppo4j.actors.settings.EvalSettings;
import io.sppo4j.actors.settings.LearnerSettings;
import io.sppo4j.actors.settings.RolloutSettings;
import io.sppo4j.actors.settings.Schedule;
import io.sppo4j.model.checkpoint.CheckpointStore;
import io.sppo4j.model.config.ConfigReader;
import io.sppo4j.cluster.metrics.DeviceMetrics;
import io.sppo4j.model.nd.DeviceChoice;
import io.sppo4j.model.nd.Devices;
import io.sppo4j.model.hf.HfModels;
import io.sppo4j.model.hf.LoraSetup;
import io.sppo4j.model.judge.Judges;
import io.sppo4j.model.judge.PreferenceModel;
import io.sppo4j.model.judge.http.HttpJudgeObserver;
import io.sppo4j.model.tokenizer.ChatTemplate;
import io.sppo4j.model.tokenizer.HfTokenizer;
import io.sppo4j.model.text.PromptDataset;
import io.sppo4j.model.text.PromptTask;
import io.sppo4j.model.text.PromptsSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import io.sppo4j.model.policy.LanguageModel;
import io.sppo4j.model.policy.PolicyConfig;
import io.sppo4j.model.policy.PolicyFactory;
import io.sppo4j.model.task.JudgedTask;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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

    private static final Logger LOG = LoggerFactory.getLogger(TaskSetup.class);

    public static TaskSetup from(Config config) {
        long seed = config.getLong("sppo4j.seed");
        String policyPath = config.getString("sppo4j.policy.path");
        if (!policyPath.isBlank()) {
            return pretrained(config, Path.of(policyPath), seed);
        }
        if (LoraSetup.from(config).enabled()) {
            throw new IllegalArgumentException("sppo4j.lora.rank / sppo4j.policy.adapter: LoRA adapts a pretrained"
                    + " model; set sppo4j.policy.path (the built-in policy trains fully)");
        }
        if (!config.getString(PromptsSettings.SECTION + ".path").isBlank()) {
            ByteTokenizer tokenizer = new ByteTokenizer();
            PromptTask task = promptTask(config, Optional.empty());
            PolicyConfig policy = PolicyConfig.from(config, tokenizer.vocabSize());
            return new TaskSetup(config, tokenizer, policy, task, HfModels.builtIn(policy, seed), seed,
                    task.hasDemonstrations());
        }
        String name = config.getString("sppo4j.task");
        switch (name) {
            case "sort" -> {
                ByteTokenizer tokenizer = new ByteTokenizer();
                PolicyConfig policy = PolicyConfig.from(config, tokenizer.vocabSize());
                return new TaskSetup(config, tokenizer, policy, new SortTask(SortTaskConfig.from(config)),
                        HfModels.builtIn(policy, seed), seed, true);
            }
            case "game" -> {
                GameTask task = new GameTask(game(config));
                PolicyConfig policy = PolicyConfig.from(config, task.tokenizer().vocabSize());
                int[] responses = task.tokenizer().responseIds();
                // The policy may only answer with a move, so its distribution over moves is exact.
                PolicyFactory factory = PolicyFactory.constrained(HfModels.builtIn(policy, seed), responses);
                return new TaskSetup(config, task.tokenizer(), policy, task, factory, seed, false);
            }
            default -> throw new IllegalArgumentException("sppo4j.task: unknown task '" + name
                    + "'; built-in tasks: sort, game (" + config.getValue("sppo4j.task").origin().description() + ")");
        }
    }

    /**
     * A Hugging Face checkpoint ({@code sppo4j.policy.path}) trained on a prompt file: it is its
     * own reference, so no SFT runs; its tokenizer and chat template come from the same directory.
     */
    private static TaskSetup pretrained(Config config, Path directory, long seed) {
        ConfigReader prompts = new ConfigReader(config, PromptsSettings.SECTION);
        prompts.check(!prompts.getString("path").isBlank(), "path",
                "a pretrained policy (sppo4j.policy.path) trains on a prompt file; give one");
        try {
            HfTokenizer tokenizer = HfTokenizer.load(directory, prompts.nonNegativeInt("max-tokens"));
            PromptTask task = promptTask(config, ChatTemplate.fromModelDirectory(directory));
            return new TaskSetup(config, tokenizer, HfModels.shape(directory), task,
                    HfModels.policyFactory(directory, LoraSetup.from(config)), seed, false);
        } catch (IOException e) {
            throw new UncheckedIOException("sppo4j.policy.path: cannot load " + directory + ": " + e.getMessage(), e);
        }
    }

    /** The prompt file's task; its judge is the one sppo4j.judge.type names (no rule judge exists for it). */
    private static PromptTask promptTask(Config config, Optional<ChatTemplate> template) {
        Judges.requireModelJudge(config, "a prompt file has no rule judge: set it to reward-model, http or pairrm");
        PromptsSettings prompts = PromptsSettings.from(config);
        try {
            PromptDataset dataset = PromptDataset.load(prompts, template);
            String file = Path.of(config.getString(PromptsSettings.SECTION + ".path")).getFileName().toString();
            return new PromptTask(file.replaceFirst("\\.[^.]*$", ""), dataset, NO_RULE_JUDGE);
        } catch (IOException e) {
            throw new UncheckedIOException("sppo4j.prompts.path: " + e.getMessage(), e);
        }
    }

    /** Stands in for a prompt file's own judge, which does not exist; {@link #judged} replaces it. */
    private static final PreferenceModel NO_RULE_JUDGE = new PreferenceModel() {
        @Override
        public String name() {
            return "none";
        }

        @Override
        public double[][] preferences(String prompt, List<String> responses) {
            throw new IllegalStateException("a prompt file has no rule judge; sppo4j.judge.type names its judge");
        }
    };

    /**
     * The task with the judge {@code sppo4j.judge.type} names, built once per call (see
     * {@link Judges}): the HTTP judge reports to {@code observer}; a reward model is loaded now.
     */
    public Task judged(HttpJudgeObserver observer) {
        if (Judges.type(config) == Judges.Type.RULE) {
            return task;
        }
        return new JudgedTask(task, Judges.fromConfig(config, task::judge, observer));
    }

    /** {@code sppo4j.tasks.game}: a JSON matrix file if given, else a built-in game by name. */
    private static PreferenceGame game(Config config) {
        String matrix = config.getString("sppo4j.tasks.game.matrix");
        return matrix.isBlank() ? BuiltinGames.get(config.getString("sppo4j.tasks.game.name"))
                : PreferenceGame.fromJson(Path.of(matrix));
    }

    /** The device a role's setting names, e.g. {@code sppo4j.learner.device}. */
    public Device device(String key) {
        return deviceChoice(key).device();
    }

    /** The device a role's setting names, with the setting and why (what {@code auto} found). */
    public DeviceChoice deviceChoice(String key) {
        return Devices.choose(config.getString(key), key);
    }

    /** The LoRA adapters the policy trains ({@link LoraSetup#NONE} for full fine-tuning). */
    public LoraSetup lora() {
        return config.getString("sppo4j.policy.path").isBlank() ? LoraSetup.NONE : LoraSetup.from(config);
    }

    /** The policy as initialised from the seed, as version 0. */
    public WeightSnapshot initialWeights() {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu());
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
        PipelineMetrics metrics = PipelineMetrics.register(registry);
        DeviceChoice learnerDevice = deviceChoice("sppo4j.learner.device");
        DeviceChoice rolloutDevice = deviceChoice("sppo4j.rollout.device");
        Map<String, DeviceChoice> devices = new LinkedHashMap<>();
        devices.put("learner", learnerDevice);
        devices.put("rollout", rolloutDevice);
        devices.values().forEach(choice -> LOG.info("{}", choice.line()));
        DeviceMetrics.register(registry, devices);
        RunSetup run = new RunSetup(judged(metrics.judge().httpObserver()), tokenizer, policyFactory, policyConfig,
                reference, AlgorithmConfig.from(config), seed, config.getInt("sppo4j.torch.threads-per-actor"));
        return new Pipeline.Setup(
                run, Schedule.from(config), LearnerSettings.from(config), learnerDevice.device(), checkpoints,
                RolloutSettings.from(config), rolloutDevice.device(),
                new ConfigReader(config, "sppo4j.judge").positiveInt("workers"), EvalSettings.from(config), metrics);
    }

    /** The same setup with one key changed (a benchmark's method or step budget). */
    public TaskSetup with(String key, Object value) {
        return from(config.withValue(key, ConfigValueFactory.fromAnyRef(value)));
    }
}
