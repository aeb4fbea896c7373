package io.sppo4j.cluster.bench;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigRenderOptions;
import io.sppo4j.actors.Pipeline;

import java.io.IOException;
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

    /**
     * Runs both modes for {@code duration} each, interleaved in windows: lockstep for a window
     * while the cluster's rollout JVM is stopped (SIGSTOP; the learner, given no groups, idles
     * between steps), then the cluster for a window while the lockstep loop waits. Whatever else
     * the machine does lands on both modes alike, so their ratio holds on a shared, noisy machine.
     * Only the rollout JVM is stopped so that no learner step spans a stop: the learner's busy
     * time is wall-clock time of its steps.
     */
    public Map<String, Object> run(Duration duration, Duration window, Consumer<String> progress) throws Exception {
        if (!CpuAffinity.available()) {
            throw new IllegalStateException("bench pipeline needs taskset (util-linux) to pin its phases to cores");
        }
        int rounds = (int) Math.max(1, Math.ceil((double) duration.toMillis() / window.toMillis()));
        CpuAffinity.pinSelf("0");
        SyncLoop.Measured sync = SyncLoop.Measured.NONE;
        AsyncWindow async = AsyncWindow.NONE;
        List<Process> nodes = startCluster(progress);
        List<Process> rollout = nodes.subList(1, 2);
        try (SyncLoop lockstep = new SyncLoop(setup)) {
            signal("STOP", rollout);
            // One unmeasured round of each mode first: both reach steady state (JIT, allocator,
            // caches) before anything counts.
            lockstep.warmUp(5);
            lockstep.runFor(window);
            signal("CONT", rollout);
            measureCluster(window);
            signal("STOP", rollout);
            for (int round = 1; round <= rounds; round++) {
                SyncLoop.Measured syncWindow = lockstep.runFor(window);
                signal("CONT", rollout);
                AsyncWindow asyncWindow = measureCluster(window);
                signal("STOP", rollout);
                sync = sync.plus(syncWindow);
                async = async.plus(asyncWindow);
                progress.accept(String.format(java.util.Locale.ROOT,
                        "round %d/%d: sync %.1f samples/s (generate %.1f ms, train %.1f ms per step), "
                                + "async %.1f samples/s (train %.1f ms per step)",
                        round, rounds, syncWindow.samplesPerSecond(), 1e3 * syncWindow.generateSeconds() / syncWindow.steps(),
                        1e3 * syncWindow.trainSeconds() / syncWindow.steps(), asyncWindow.samplesPerSecond(),
                        1e3 * asyncWindow.busySeconds() / Math.max(1, asyncWindow.steps())));
            }
        } finally {
            signal("CONT", rollout);
            stop(nodes);
            CpuAffinity.pinSelf("0-" + (Runtime.getRuntime().availableProcessors() - 1));
        }
        double speedup = async.samplesPerSecond() / sync.samplesPerSecond();
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("benchmark", "pipeline");
        result.put("seconds", duration.toSeconds());
        result.put("window_seconds", window.toSeconds());
        result.put("group_size", setup.rollout().groupSize());
        result.put("groups_per_step", setup.learner().groupsPerStep());
        result.put("publish_every", setup.learner().publishEvery());
        result.put("sync_samples_per_s", sync.samplesPerSecond());
        result.put("async_samples_per_s", async.samplesPerSecond());
        result.put("speedup", speedup);
        result.put("t_gen_ms", 1e3 * sync.generateSeconds() / sync.steps());
        result.put("t_train_ms", 1e3 * sync.trainSeconds() / sync.steps());
        result.put("async_train_ms", 1e3 * async.busySeconds / Math.max(1, async.steps));
        result.put("ideal_speedup", sync.idealSpeedup());
        result.put("fraction_of_ideal", speedup / sync.idealSpeedup());
        result.put("learner_busy_sync", sync.trainSeconds() / sync.seconds());
        result.put("learner_busy_async", async.busySeconds / async.seconds);
        result.put("async_mean_staleness", async.stalenessSum / Math.max(1, async.stalenessCount));
        return result;
    }

    /** What the learner's counters moved by in asynchronous windows, summed. */
    private record AsyncWindow(double seconds, double samples, double steps, double busySeconds,
            double stalenessSum, double stalenessCount) {

        static final AsyncWindow NONE = new AsyncWindow(0, 0, 0, 0, 0, 0);

        AsyncWindow plus(AsyncWindow other) {
            return new AsyncWindow(seconds + other.seconds, samples + other.samples, steps + other.steps,
                    busySeconds + other.busySeconds, stalenessSum + other.stalenessSum,
                    stalenessCount + other.stalenessCount);
        }

        double samplesPerSecond() {
            return samples / seconds;
        }
    }

    private static final List<String> COUNTERS = List.of("sppo_learner_samples_total", "sppo_learner_step",
            "sppo_learner_busy_seconds_total", "sppo_learner_staleness_versions_sum",
            "sppo_learner_staleness_versions_count");

    private int learnerMetricsPort;

    /** Two nodes of a real cluster, each pinned to a core of its own, trained until warm. */
    private List<Process> startCluster(Consumer<String> progress) throws Exception {
        Files.createDirectories(workDirectory);
        Path config = workDirectory.resolve("pipeline-bench.conf");
        // The rollout node is stopped while lockstep windows run; a heartbeat pause that long must
        // not read as a crash.
        Files.writeString(config, "sppo4j " + settings.getConfig("sppo4j").root()
                .render(ConfigRenderOptions.concise().setFormatted(true)) + "\n"
                + "sppo4j.node.reference = init\nsppo4j.node.checkpoints = \""
                + workDirectory.resolve("checkpoints").toString().replace("\\", "/") + "\"\n"
                + "sppo4j.rollout-log.directory = \"\"\nsppo4j.learner.checkpoint-every = 100000000\n"
                + "sppo4j.learner.max-steps = 100000000\nsppo4j.eval.every = 100000000\nsppo4j.eval.prompts = 8\n"
                + "sppo4j.learner.status-interval = 0s\n"
                + "pekko.cluster.failure-detector.acceptable-heartbeat-pause = 1h\n");
        int seed = LoopbackPorts.free();
        learnerMetricsPort = LoopbackPorts.free();
        List<Process> nodes = new ArrayList<>();
        try {
            nodes.add(node("1", "learner", seed, seed, learnerMetricsPort, config, "learner"));
            nodes.add(node("0", "rollout,judge", LoopbackPorts.free(), seed, LoopbackPorts.free(), config, "rollout"));
            // Train before measuring: JIT, connections, the first weights.
            long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
            while (metric(learnerMetricsPort, "sppo_learner_step") < 20) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the async nodes did not start training; see " + workDirectory);
                }
                Thread.sleep(500);
            }
            progress.accept("async cluster trained 20 steps; measuring");
            return nodes;
        } catch (Exception e) {
            stop(nodes);
            throw e;
        }
    }

    private AsyncWindow measureCluster(Duration window) throws InterruptedException {
        double[] before = counters();
        long started = System.nanoTime();
        Thread.sleep(window.toMillis());
        double seconds = (System.nanoTime() - started) / 1e9;
        double[] after = counters();
        return new AsyncWindow(seconds, after[0] - before[0], after[1] - before[1], after[2] - before[2],
                after[3] - before[3], after[4] - before[4]);
    }

    private double[] counters() {
        return COUNTERS.stream().mapToDouble(name -> metric(learnerMetricsPort, name)).toArray();
    }

    /** Sends {@code kill -SIGNAL} to every node: STOP freezes a JVM whole, CONT resumes it. */
    private static void signal(String signal, List<Process> nodes) throws IOException, InterruptedException {
        for (Process node : nodes) {
            if (node.isAlive()) {
                new ProcessBuilder("kill", "-" + signal, Long.toString(node.pid())).inheritIO().start().waitFor();
            }
        }
    }

    private static void stop(List<Process> nodes) throws InterruptedException {
        for (Process node : nodes) {
            node.destroy();
        }
        for (Process node : nodes) {
            if (!node.waitFor(30, TimeUnit.SECONDS)) {
                node.destroyForcibly();
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

}
