package io.sppo4j.cluster.cli;

import ai.djl.Device;
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
import io.sppo4j.model.policy.PolicyConfig;
import io.sppo4j.model.policy.PolicyFactory;
import io.sppo4j.model.task.sort.SortTask;
import io.sppo4j.model.task.sort.SortTaskConfig;
import io.sppo4j.model.tokenizer.ByteTokenizer;
import io.sppo4j.model.weights.WeightSnapshot;

/** What every command on the built-in {@code sort} task derives from the configuration. */
record SortSetup(Config config, ByteTokenizer tokenizer, PolicyConfig policyConfig, SortTask task, long seed) {

    static SortSetup from(Config config) {
        ByteTokenizer tokenizer = new ByteTokenizer();
        return new SortSetup(
                config,
                tokenizer,
                PolicyConfig.from(config, tokenizer.vocabSize()),
                new SortTask(SortTaskConfig.from(config)),
                config.getLong("sppo4j.seed"));
    }

    /** The device a role's setting names, e.g. {@code sppo4j.learner.device}. */
    Device device(String key) {
        return Devices.parse(config.getString(key), key);
    }

    /**
     * Every role of a one-JVM run as the configuration describes it.
     *
     * @param checkpoints the learner's checkpoints, or null for none
     */
    Pipeline.Setup pipeline(WeightSnapshot reference, CheckpointStore checkpoints, PrometheusRegistry registry) {
        return new Pipeline.Setup(
                task, tokenizer, PolicyFactory.transformer(policyConfig, seed), policyConfig, reference,
                Schedule.from(config), LearnerSettings.from(config), RolloutSettings.from(config),
                new ConfigReader(config, "sppo4j.judge").positiveInt("workers"), EvalSettings.from(config),
                AlgorithmSettings.from(config), seed, device("sppo4j.learner.device"), device("sppo4j.rollout.device"),
                checkpoints, config.getInt("sppo4j.torch.threads-per-actor"), PipelineMetrics.register(registry));
    }

    /** The same setup with one key changed (a benchmark's method or step budget). */
    SortSetup with(String key, Object value) {
        return from(config.withValue(key, ConfigValueFactory.fromAnyRef(value)));
    }
}
