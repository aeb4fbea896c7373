package io.sppo4j.actors;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.sppo4j.actors.data.JudgedGroup;
import io.sppo4j.actors.data.RolloutGroup;
import io.sppo4j.actors.data.Sample;
import io.sppo4j.actors.metrics.PipelineMetrics;
import io.sppo4j.actors.settings.LearnerSettings;
import io.sppo4j.actors.settings.Schedule;
import io.sppo4j.model.optim.AdamWConfig;
import io.sppo4j.model.policy.PolicyConfig;
import io.sppo4j.model.policy.PolicyFactory;
import io.sppo4j.model.hf.HfModels;
import io.sppo4j.model.policy.LanguageModel;
import io.sppo4j.model.task.sort.SortTask;
import io.sppo4j.model.task.sort.SortTaskConfig;
import io.sppo4j.model.tokenizer.ByteTokenizer;
import io.sppo4j.model.weights.TensorEncoding;
import io.sppo4j.model.weights.WeightSnapshot;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Small policies, tasks and settings shared by the actor tests. */
final class ActorFixtures {

    static final ByteTokenizer TOKENIZER = new ByteTokenizer();
    static final PolicyConfig TINY = new PolicyConfig(ByteTokenizer.VOCAB_SIZE, 32, 1, 2, 48, 0f);
    static final SortTask SORT = new SortTask(new SortTaskConfig(3, 5, 0.2, 0.1));
    static final Schedule ASYNC = new Schedule(Schedule.Kind.ASYNC, 1, 1, 1);

    private ActorFixtures() {}

    static PolicyFactory factory() {
        return HfModels.builtIn(TINY, 1);
    }

    /** Weights of a freshly initialised tiny policy with the given seed, as version {@code version}. */
    static WeightSnapshot weights(long seed, long version) {
        try (NDManager manager = NDManager.newBaseManager();
                LanguageModel policy = HfModels.builtIn(TINY, seed).create(manager, Device.cpu())) {
            return WeightSnapshot.export(policy, version, TensorEncoding.FP32);
        }
    }

    static LearnerSettings learnerSettings(int capacity, int groupsPerStep, int maxStaleness, int checkpointEvery) {
        return new LearnerSettings(capacity, groupsPerStep, maxStaleness, 1, checkpointEvery, 3, 1_000,
                AdamWConfig.DEFAULTS.withLearningRate(1e-3f), 0, Duration.ofSeconds(60), TensorEncoding.FP32);
    }

    /** A weight cache with a group of its own, so caches of different tests never exchange weights. */
    static org.apache.pekko.actor.typed.Behavior<WeightCache.Command> isolatedCache() {
        return WeightCache.create(WeightCache.Settings.DEFAULT.withGroup(java.util.UUID.randomUUID().toString()));
    }

    static PipelineMetrics metrics() {
        return PipelineMetrics.register(new PrometheusRegistry());
    }

    /** A judged group answering {@code creditId}, as if sampled by {@code version}. */
    static JudgedGroup judged(long creditId, String prompt, long version) {
        int k = 3;
        List<Sample> samples = new ArrayList<>();
        String[] texts = {SortTask.target(prompt), SortTask.target(prompt) + "1", "9"};
        for (int i = 0; i < k; i++) {
            int[] tokens = TOKENIZER.encodeResponse(texts[i]);
            samples.add(new Sample(tokens, texts[i], -2.0f * tokens.length, -2.0f * tokens.length, false));
        }
        RolloutGroup group = new RolloutGroup(
                creditId, prompt, TOKENIZER.encodePrompt(prompt), samples, version, "test", 0, 0);
        double[][] preferences = SORT.judge().preferences(prompt, List.of(texts));
        return new JudgedGroup(group, preferences, io.sppo4j.model.judge.PreferenceMatrices.winRates(preferences),
                0.0, "test-judge");
    }

    /** Test system settings: Pekko's defaults with Jackson standing in as the message serializer. */
    static Config serializingConfig() {
        return ConfigFactory.parseString("""
                pekko.loglevel = INFO
                pekko.loggers = ["org.apache.pekko.event.slf4j.Slf4jLogger"]
                pekko.logging-filter = "org.apache.pekko.event.slf4j.Slf4jLoggingFilter"
                pekko.actor.serialize-messages = on
                # A linkage error must fail the test, not end the JVM under surefire.
                pekko.jvm-exit-on-fatal-error = off
                pekko.actor.allow-java-serialization = off
                pekko.actor.serialization-bindings {
                  "io.sppo4j.actors.SppoMessage" = jackson-cbor
                }
                pekko.serialization.jackson.jackson-modules += "io.sppo4j.actors.SnapshotJacksonModule"
                """).withFallback(ConfigFactory.defaultReference()).resolve();
    }
}
