package io.sppo4j.cluster.bench;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigRenderOptions;
import io.sppo4j.actors.Pipeline;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Lockstep against asynchronous training on the same components and the same budget of cores:
 * (a) in this JVM pinned to one core, sample, judge and train in turn, as the official SPPO
 * scripts do; (b) a rollout+judge node pinned to one core and a learner node pinned to the other,
 * two JVMs of a real cluster, for the same wall time. Reports both throughputs, the learner's
 * busy fraction in each, and the ideal speedup measured from (a).
 */
public final class PipelineBenchmark {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final Config settings;
    private final Pipeline.Setup setup;
    private final Path workDirectory;

    public PipelineBenchmark(Config settings, Pipeline.Setup setup, Path workDirectory) {
        this.settings = settings;
        this.setup = setup;
        this.workDirectory = workDirectory;
    }

    public Map<String, Object> run(Duration duration, Consumer<String> progress) throws Exception {
        if (!CpuAffinity.available()) {
            throw new IllegalStateException("bench pipeline needs taskset (util-linux) to pin its phases to cores");
        }
        CpuAffinity.pinSelf("0");
        SyncLoop.Measured sync;
        try {
            sync = SyncLoop.run(setup, duration, 5);
        } finally {
            CpuAffinity.pinSelf("0-" + (Runtime.getRuntime().availableProcessors() - 1));
        }
        progress.accept(String.format(java.util.Locale.ROOT,
                "sync: %.1f samples/s, per step generate %.1f ms, train %.1f ms",
                sync.samplesPerSecond(), 1e3 * sync.generateSeconds() / sync.steps(), 1e3 * sync.trainSeconds() / sync.steps()));
        Async async = runAsync(duration, progress);
        double speedup = async.samplesPerSecond / sync.samplesPerSecond();
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("benchmark", "pipeline");
        result.put("seconds", duration.toSeconds());
        result.put("group_size", setup.rollout().groupSize());
        result.put("groups_per_step", setup.learner().groupsPerStep());
        result.put("sync_samples_per_s", sync.samplesPerSecond());
        result.put("async_samples_per_s", async.samplesPerSecond);
        result.put("speedup", speedup);
        result.put("t_gen_ms", 1e3 * sync.generateSeconds() / sync.steps());
        result.put("t_train_ms", 1e3 * sync.trainSeconds() / sync.steps());
        result.put("ideal_speedup", sync.idealSpeedup());
        result.put("fraction_of_ideal", speedup / sync.idealSpeedup());
        result.put("learner_busy_sync", sync.trainSeconds() / sync.seconds());
        result.put("learner_busy_async", async.learnerBusy);
        result.put("async_mean_staleness", async.meanStaleness);
        return result;
    }

    private record Async(double samplesPerSecond, double learnerBusy, double meanStaleness) {}

    /** Two nodes of a real cluster, each pinned to a core of its own. */
    private Async runAsync(Duration duration, Consumer<String> progress) throws Exception {
        Files.createDirectories(workDirectory);
        Path config = workDirectory.resolve("pipeline-bench.conf");
        Files.writeString(config, "sppo4j " + settings.getConfig("sppo4j").root()
                .render(ConfigRenderOptions.concise().setFormatted(true)) + "\n"
                + "sppo4j.node.reference = init\nsppo4j.node.checkpoints = \""
                + workDirectory.resolve("checkpoints").toString().replace("\\", "/") + "\"\n"
                + "sppo4j.rollout-log.directory = \"\"\nsppo4j.learner.checkpoint-every = 100000000\n"
                + "sppo4j.learner.max-steps = 100000000\nsppo4j.eval.every = 100000000\nsppo4j.eval.prompts = 8\n"
                + "sppo4j.learner.status-interval = 0s\n");
        int seed = freePort();
        int learnerMetrics = freePort();
        List<Process> nodes = new ArrayList<>();
        try {
            nodes.add(node("1", "learner", seed, seed, learnerMetrics, config, "learner"));
            nodes.add(node("0", "rollout,judge", freePort(), seed, freePort(), config, "rollout"));
            // Wait for training to run before measuring (JIT, connections, the first weights).
            long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
            while (metric(learnerMetrics, "sppo_learner_step") < 20) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the async nodes did not start training; see " + workDirectory);
                }
                Thread.sleep(500);
            }
            double samples0 = metric(learnerMetrics, "sppo_learner_samples_total");
            double busy0 = metric(learnerMetrics, "sppo_learner_busy_seconds_total");
            double stalenessSum0 = metric(learnerMetrics, "sppo_learner_staleness_versions_sum");
            double stalenessCount0 = metric(learnerMetrics, "sppo_learner_staleness_versions_count");
            long started = System.nanoTime();
            Thread.sleep(duration.toMillis());
            double seconds = (System.nanoTime() - started) / 1e9;
            double samples = metric(learnerMetrics, "sppo_learner_samples_total") - samples0;
            double busy = metric(learnerMetrics, "sppo_learner_busy_seconds_total") - busy0;
            double staleness = (metric(learnerMetrics, "sppo_learner_staleness_versions_sum") - stalenessSum0)
                    / Math.max(1, metric(learnerMetrics, "sppo_learner_staleness_versions_count") - stalenessCount0);
            progress.accept(String.format(java.util.Locale.ROOT, "async: %.1f samples/s, learner busy %.0f%%",
                    samples / seconds, 100 * busy / seconds));
            return new Async(samples / seconds, busy / seconds, staleness);
        } finally {
            for (Process node : nodes) {
                node.destroy();
            }
            for (Process node : nodes) {
                if (!node.waitFor(30, TimeUnit.SECONDS)) {
                    node.destroyForcibly();
                }
            }
        }
    }

    private Process node(String cores, String roles, int port, int seed, int metricsPort, Path config, String name)
            throws IOException {
        List<String> java = List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Dai.djl.offline=true",
                "-cp", System.getProperty("java.class.path"), "io.sppo4j.cluster.cli.SppoCli", "node",
                "--config", config.toString(), "--roles", roles, "--port", Integer.toString(port),
                "--seed", "127.0.0.1:" + seed, "--metrics-port", Integer.toString(metricsPort));
        return new ProcessBuilder(CpuAffinity.pinned(cores, java))
                .redirectErrorStream(true)
                .redirectOutput(workDirectory.resolve(name + ".log").toFile())
                .start();
    }

    /** A metric's value (summed over its series) from a node's /metrics, 0 while it does not answer. */
    private static double metric(int port, String name) {
        try {
            String body = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            double total = 0;
            for (String line : body.split("\n")) {
                if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
                    total += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                }
            }
            return total;
        } catch (IOException e) {
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
