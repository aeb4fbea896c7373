package io.sppo4j.cluster.node;

import io.sppo4j.cluster.TestTime;
import io.sppo4j.cluster.bench.LoopbackPorts;
import io.sppo4j.cluster.bench.NodeProcess;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.function.BooleanSupplier;

/**
 * A cluster node in a JVM of its own, started the way a user starts one ({@code sppo node}),
 * observed through its Prometheus endpoint and its log, and killed with SIGKILL when a test
 * needs a crash (a {@link NodeProcess} under the names the tests use).
 */
final class ChildNode implements AutoCloseable {

    final String name;
    final int port;
    final int metricsPort;
    final Path log;
    final NodeProcess process;

    private ChildNode(NodeProcess process) {
        this.process = process;
        this.name = process.name();
        this.port = process.spec().port();
        this.metricsPort = process.spec().metricsPort();
        this.log = process.log();
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
        return start(dir, NodeProcess.Spec.loopback(name, roles, port, freePort(), config, arguments)
                .withEnvironment(environment));
    }

    static ChildNode start(Path dir, NodeProcess.Spec spec) throws IOException {
        return new ChildNode(NodeProcess.start(dir, spec));
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
     * Polls {@code condition} until it holds; after {@code timeout} (scaled by {@link TestTime})
     * fails with {@code what} and the last lines of every node's log, which is where a child
     * JVM's trouble shows.
     */
    static void await(List<ChildNode> nodes, String what, Duration timeout, BooleanSupplier condition)
            throws InterruptedException {
        Duration limit = TestTime.scaled(timeout);
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw failure(nodes, "timed out after " + limit.toSeconds() + " s waiting until " + what);
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
        try {
            return process.terminate(TestTime.seconds(60));
        } catch (IllegalStateException e) {
            throw new AssertionError(e.getMessage());
        }
    }

    /** SIGKILL: no shutdown hook, no leaving the cluster — a crash. */
    void kill() throws InterruptedException {
        process.kill();
    }

    boolean alive() {
        return process.alive();
    }

    /** The log so far; a character the node is still writing comes out as a replacement character. */
    String logText() {
        return process.logText();
    }

    /** Every sample of the node's metrics, by series (name with labels), or empty if it does not answer. */
    Map<String, Double> metrics() {
        return process.metrics();
    }

    /** The largest value of a metric over its series (labels ignored), if the node reports it. */
    OptionalDouble metric(String metric) {
        return process.metric(metric);
    }

    @Override
    public void close() throws InterruptedException {
        process.close();
    }
}
