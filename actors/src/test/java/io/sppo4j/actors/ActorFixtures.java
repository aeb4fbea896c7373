package io.sppo4j.actors;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.sppo4j.actors.data.JudgedGroup;
import io.sppo4j.actors.data.RolloutGroup;
import io.sppo4j.actors.data.Sample;
import io.sppo4j.actors.metrics.PipelineMetrics;
import io.sppo4j.actors.settings.AlgorithmConfig;
import io.sppo4j.actors.settings.LearnerSettings;
import io.sppo4j.actors.settings.Schedule;
import io.sppo4j.actors.settings.SkippedStepBound;
import io.sppo4j.model.optim.AdamWConfig;
import io.sppo4j.model.policy.PolicyConfig;
import io.sppo4j.model.policy.PolicyFactory;
import io.sppo4j.model.hf.HfModels;
import io.sppo4j.model.policy.LanguageModel;
import io.sppo4j.model.task.Task;
import io.sppo4j.model.task.sort.SortTask;
import io.sppo4j.model.task.sort.SortTaskConfig;
import io.sppo4j.model.tokenizer.ByteTokenizer;
import io.sppo4j.model.weights.TensorEncoding;
import io.sppo4j.model.weights.WeightSnapshot;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.TestKitSettings;
import org.apache.pekko.actor.typed.ActorSystem;

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

    /** The sort task on the tiny policy, from reference weights {@code weights(1, 0)}, seed 7, one torch thread. */
    static RunSetup run(AlgorithmConfig algorithm) {
        return run(SORT, algorithm);
    }

    static RunSetup run(Task task, AlgorithmConfig algorithm) {
        return new RunSetup(task, TOKENIZER, factory(), TINY, weights(1, 0), algorithm, 7, 1);
    }

    /** Weights of a freshly initialised tiny policy with the given seed, as version {@code version}. */
    static WeightSnapshot weights(long seed, long version) {
        try (NDManager manager = NDManager.newBaseManager();
                LanguageModel policy = HfModels.builtIn(TINY, seed).create(manager, Device.cpu())) {
            return WeightSnapshot.export(policy, version, TensorEncoding.FP32);
        }
    }

    static LearnerSettings learnerSettings(int capacity, int groupsPerStep, int maxStaleness, int checkpointEvery) {
        return learnerSettings(capacity, groupsPerStep, maxStaleness, checkpointEvery, Duration.ofSeconds(60),
                SkippedStepBound.DEFAULT);
    }

    /** Publishing every step, 3 checkpoints kept, at most 1,000 steps, a constant learning rate 1e-3. */
    static LearnerSettings learnerSettings(
            int capacity, int groupsPerStep, int maxStaleness, int checkpointEvery, Duration creditTimeout,
            SkippedStepBound skippedSteps) {
        return new LearnerSettings(capacity, groupsPerStep, maxStaleness, 1, checkpointEvery, 3, 1_000,
                AdamWConfig.DEFAULTS.withLearningRate(1e-3f), 0, creditTimeout, TensorEncoding.FP32, Duration.ZERO,
                skippedSteps);
    }

    /** {@code settings} with another optimiser (same learning-rate schedule and everything else). */
    static LearnerSettings withOptimizer(LearnerSettings settings, io.sppo4j.model.optim.OptimizerConfig optimizer) {
        return new LearnerSettings(settings.capacity(), settings.groupsPerStep(), settings.maxStaleness(),
                settings.publishEvery(), settings.checkpointEvery(), settings.checkpointKeep(), settings.maxSteps(),
                optimizer, settings.warmupSteps(), settings.creditTimeout(), settings.weightEncoding(),
                settings.statusInterval(), settings.skippedSteps(), settings.precision(), settings.microBatchTokens(),
                settings.decay(), settings.warmupRatio());
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
        String[] texts = {SortTask.target(prompt), SortTask.target(prompt) + "1", "9"};
        return judged(creditId, prompt, version, texts, SORT.judge().preferences(prompt, List.of(texts)), -2.0f);
    }

    /** A group the judge could not separate: every preference ½ (a pairwise method has no pair in it). */
    static JudgedGroup tied(long creditId, String prompt, long version) {
        String[] texts = {"1", "2", "3"};
        double[][] half = {{0.5, 0.5, 0.5}, {0.5, 0.5, 0.5}, {0.5, 0.5, 0.5}};
        return judged(creditId, prompt, version, texts, half, -2.0f);
    }

    /**
     * A damaged group: the sampler's log-probabilities are finite but as low as float32 goes, so
     * SPPO's squared residual, and the global gradient norm, overflow to infinity.
     */
    static JudgedGroup overflowing(long creditId, String prompt, long version) {
        String[] texts = {SortTask.target(prompt), SortTask.target(prompt) + "1", "9"};
        return judged(creditId, prompt, version, texts, SORT.judge().preferences(prompt, List.of(texts)), -Float.MAX_VALUE);
    }

    /** @param logProbPerToken the sampler's log-probability of each response token; -MAX_VALUE: of the whole response */
    private static JudgedGroup judged(
            long creditId, String prompt, long version, String[] texts, double[][] preferences, float logProbPerToken) {
        List<Sample> samples = new ArrayList<>();
        for (String text : texts) {
            int[] tokens = TOKENIZER.encodeResponse(text);
            float logProb = logProbPerToken == -Float.MAX_VALUE ? logProbPerToken : logProbPerToken * tokens.length;
            samples.add(new Sample(tokens, text, logProb, logProb, false));
        }
        RolloutGroup group = new RolloutGroup(
                creditId, prompt, TOKENIZER.encodePrompt(prompt), samples, version, "test", 0, 0);
        return new JudgedGroup(group, preferences, io.sppo4j.model.judge.PreferenceMatrices.winRates(preferences),
                0.0, "test-judge");
    }

    /** {@code seconds} stretched by {@code pekko.test.timefactor}: how long a test waits for what it awaits. */
    static Duration patience(ActorSystem<?> system, long seconds) {
        return TestKitSettings.create(system).dilated(Duration.ofSeconds(seconds));
    }

    /** The sum of a counter's points whose {@code label} is {@code value} (every point when label is ""). */
    static double counter(PipelineMetrics metrics, String name, String label, String value) {
        double sum = 0;
        for (MetricSnapshot snapshot : metrics.registry().scrape()) {
            if (snapshot.getMetadata().getPrometheusName().equals(name)) {
                for (CounterSnapshot.CounterDataPointSnapshot point : ((CounterSnapshot) snapshot).getDataPoints()) {
                    if (label.isEmpty() || value.equals(point.getLabels().get(label))) {
                        sum += point.getValue();
                    }
                }
            }
        }
        return sum;
    }

    /** A dispatcher with a single thread: an actor that blocked it would starve every other actor on it. */
    static final String ONE_THREAD = "one-thread-dispatcher";

    /** {@link #serializingConfig()} with the {@link #ONE_THREAD} dispatcher. */
    static Config withOneThreadDispatcher() {
        return ConfigFactory.parseString(ONE_THREAD + """
                 {
                  type = Dispatcher
                  executor = "thread-pool-executor"
                  thread-pool-executor.fixed-pool-size = 1
                }
                """).withFallback(serializingConfig());
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
