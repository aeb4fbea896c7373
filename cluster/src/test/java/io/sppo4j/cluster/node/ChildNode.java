package io.sppo4j.cluster.node;

import io.sppo4j.cluster.bench.LoopbackPorts;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A cluster node in a JVM of its own, started the way a user starts one ({@code sppo node}),
 * observed through its Prometheus endpoint and its log, and killed with SIGKILL when a test
 * needs a crash.
 */
final class ChildNode implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    final String name;
    final int port;
    final int metricsPort;
    final Path log;
    private final Process process;

    private ChildNode(String name, int port, int metricsPort, Path log, Process process) {
        this.name = name;
        this.port = port;
        this.metricsPort = metricsPort;
        this.log = log;
        this.process = process;
    }

    /** Starts {@code sppo node} with the test's classpath, logging to {@code dir/name.log}. */
    static ChildNode start(Path dir, String name, String roles, int port, Path config, List<String> seeds) throws IOException {
        List<String> extra = new ArrayList<>();
        for (String seed : seeds) {
            extra.add("--seed");
            extra.add(seed);
        }
        return start(dir, name, roles, port, config, extra, Map.of());
    }

    /**
     * Starts {@code sppo node} with further arguments ({@code --set ...}) and environment
     * variables (what Kubernetes sets in a pod).
     */
    static ChildNode start(Path dir, String name, String roles, int port, Path config, List<String> arguments,
            Map<String, String> environment) throws IOException {
        int metricsPort = freePort();
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx384m", "-XX:+UseSerialGC", "-Dai.djl.offline=true",
                "-cp", System.getProperty("java.class.path"),
                "io.sppo4j.cluster.cli.SppoCli", "node",
                "--roles", roles, "--port", Integer.toString(port), "--metrics-port", Integer.toString(metricsPort),
                "--config", config.toString()));
        command.addAll(arguments);
        Path log = dir.resolve(name + ".log");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(environment);
        Process process = builder.start();
        return new ChildNode(name, port, metricsPort, log, process);
    }

    /**
     * Writes the profile every multi-JVM test shares (the sort task on a tiny policy, small
     * groups, no evaluation to speak of, checkpoints in {@code checkpoints}) with {@code cluster}
     * as the body of its {@code sppo4j.cluster} section and {@code checkpointEvery} steps between
     * the learner's checkpoints.
     */
    static Path writeTinySortProfile(Path file, Path checkpoints, int checkpointEvery, String cluster)
            throws java.io.IOException {
        java.nio.file.Files.writeString(file, """
                sppo4j {
                  seed = 1
                  task = sort
                  tasks.sort { min-digits = 3, max-digits = 5 }
                  policy { width = 32, layers = 1, heads = 2, context-length = 48 }
                  sampling.max-new-tokens = 10
                  node { reference = init, checkpoints = "%s" }
                  learner { device = cpu, max-steps = 100000000, checkpoint-every = %d, groups-per-step = 2,
                            capacity = 8, status-interval = 5s }
                  rollout { device = cpu, workers = 1, group-size = 3, groups-per-batch = 2, prefetch = 4 }
                  judge.workers = 1
                  eval { every = 100000000, prompts = 8, batch-size = 8 }
                  cluster {
                %s
                  }
                }
                """.formatted(checkpoints.toString().replace("\\", "/"), checkpointEvery, cluster.indent(4).stripTrailing()));
        return file;
    }

    /**
     * Polls {@code condition} until it holds; after {@code timeout} fails with {@code what} and
     * the last lines of every node's log, which is where a child JVM's trouble shows.
     */
    static void await(List<ChildNode> nodes, String what, Duration timeout, BooleanSupplier condition)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw failure(nodes, "timed out after " + timeout.toSeconds() + " s waiting until " + what);
            }
            Thread.sleep(250);
        }
    }

    /** An assertion failure with {@code message} followed by the last lines of every node's log. */
    static AssertionError failure(List<ChildNode> nodes, String message) {
        StringBuilder text = new StringBuilder(message);
        for (ChildNode node : nodes) {
            String log = node.logText();
            text.append("\n--- ").append(node.name).append(" (last lines) ---\n")
                    .append(log.substring(Math.max(0, log.length() - 3000)));
        }
        return new AssertionError(text.toString());
    }

    /** A port for a node to bind, never one handed out before (see {@link LoopbackPorts}). */
    static int freePort() throws IOException {
        return LoopbackPorts.free();
    }

    /** SIGTERM, as Kubernetes stops a pod: the shutdown hook runs and the node leaves; returns its exit code. */
    int terminate() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            throw new AssertionError(name + " did not stop within 60 s of SIGTERM");
        }
        return process.exitValue();
    }

    /** SIGKILL: no shutdown hook, no leaving the cluster — a crash. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    boolean alive() {
        return process.isAlive();
    }

    /** The log so far; a character the node is still writing comes out as a replacement character. */
    String logText() {
        try {
            return Files.exists(log) ? new String(Files.readAllBytes(log), StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every sample of the node's metrics, by series (name with labels), or empty if it does not answer. */
    Map<String, Double> metrics() {
        Map<String, Double> samples = new HashMap<>();
        try {
            HttpResponse<String> response = HTTP.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
                            .timeout(Duration.ofSeconds(3)).build(),
                    HttpResponse.BodyHandlers.ofString());
            for (String line : response.body().split("\n")) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                int space = line.lastIndexOf(' ');
                samples.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
            }
        } catch (IOException | RuntimeException e) {
            return Map.of();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return samples;
    }

    /** The largest value of a metric over its series (labels ignored), if the node reports it. */
    OptionalDouble metric(String metric) {
        return metrics().entrySet().stream()
                .filter(e -> e.getKey().equals(metric) || e.getKey().startsWith(metric + "{"))
                .mapToDouble(Map.Entry::getValue)
                .max();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy(); // SIGTERM: the node leaves the cluster gracefully
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
