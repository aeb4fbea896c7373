package io.sppo4j.cluster.metrics;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.typesafe.config.ConfigFactory;
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
import io.sppo4j.model.optim.AdamWConfig;
import io.sppo4j.model.policy.PolicyConfig;
import io.sppo4j.model.policy.PolicyFactory;
import io.sppo4j.model.hf.HfModels;
import io.sppo4j.model.policy.LanguageModel;
import io.sppo4j.model.sampling.SamplingConfig;
import io.sppo4j.model.task.sort.SortTask;
import io.sppo4j.model.task.sort.SortTaskConfig;
import io.sppo4j.model.tokenizer.ByteTokenizer;
import io.sppo4j.model.weights.TensorEncoding;
import io.sppo4j.model.weights.WeightSnapshot;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.junit.jupiter.api.Test;

/** After a short run, /metrics shows every role's metrics with the values the run produced. */
class PipelineMetricsEndpointTest {

    private static final PolicyConfig TINY = new PolicyConfig(ByteTokenizer.VOCAB_SIZE, 32, 1, 2, 48, 0f);

    @Test
    void everyRoleReportsOnTheEndpoint() throws Exception {
        ByteTokenizer tokenizer = new ByteTokenizer();
        WeightSnapshot reference;
        try (NDManager manager = NDManager.newBaseManager();
                LanguageModel policy = HfModels.builtIn(TINY, 1).create(manager, Device.cpu())) {
            reference = WeightSnapshot.export(policy, 0, TensorEncoding.FP32);
        }
        PrometheusRegistry registry = new PrometheusRegistry();
        RunSetup run = new RunSetup(new SortTask(new SortTaskConfig(3, 5, 0.2, 0.1)), tokenizer,
                HfModels.builtIn(TINY, 1), TINY, reference, AlgorithmConfig.sppo(2f), 1, 1);
        Pipeline.Setup setup = new Pipeline.Setup(
                run, new Schedule(Schedule.Kind.ASYNC, 1, 1, 1),
                new LearnerSettings(8, 2, 4, 1, 1_000, 1, 12, AdamWConfig.DEFAULTS, 0, Duration.ofSeconds(60),
                        TensorEncoding.FP32),
                Device.cpu(), null, new RolloutSettings(2, 3, 2, 4, SamplingConfig.ancestral(8)), Device.cpu(), 2,
                new EvalSettings(5, 16, 16), PipelineMetrics.register(registry));
        CompletableFuture<Monitor.Report> done = new CompletableFuture<>();
        ActorSystem<Pipeline.Command> system = ActorSystem.create(
                Pipeline.create(setup, done), "metrics-test", ConfigFactory.defaultReference());
        try {
            done.get(2, TimeUnit.MINUTES);
        } finally {
            system.terminate();
            system.getWhenTerminated().toCompletableFuture().get(1, TimeUnit.MINUTES);
        }
        String text;
        try (MetricsServer server = MetricsServer.start("127.0.0.1", 0, registry)) {
            HttpResponse<String> response = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            text = response.body();
        }
        for (String name : List.of(
                "sppo_rollout_sequences_total{worker=\"rollout-0\"}", "sppo_rollout_tokens_total",
                "sppo_rollout_policy_version", "sppo_weights_load_seconds_bucket",
                "sppo_judge_comparisons_total{judge=", "sppo_judge_intransitive_triad_share_bucket",
                "sppo_learner_steps_total 12.0", "sppo_learner_loss", "sppo_learner_staleness_versions_bucket",
                "sppo_learner_dropped_stale_groups_total", "sppo_learner_credits_in_flight", "sppo_learner_buffer_depth",
                "sppo_policy_version 12.0", "sppo_weights_publish_seconds_count", "sppo_learner_samples_total",
                "sppo_eval_winrate", "sppo_eval_mean_length_tokens", "sppo_eval_version 12.0")) {
            assertTrue(text.contains(name), "/metrics lacks " + name + ":\n" + text);
        }
    }
}
