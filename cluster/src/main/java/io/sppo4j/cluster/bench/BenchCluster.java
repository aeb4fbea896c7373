package io.sppo4j.cluster.bench;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigRenderOptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * A training cluster of {@code sppo node} processes on this machine's loopback interface, as the
 * README starts one: every node reads one profile (the benchmark's settings, written to
 * {@code out/cluster.conf}) and joins through the first learner. Nodes can be added at any time
 * and are restarted as fresh members on a fresh port, as a supervisor (Kubernetes, systemd)
 * restarts a crashed one.
 */
public final class BenchCluster implements AutoCloseable {

    private final Path out;
    private final Path config;
    private final String heap;
    private final List<NodeProcess> nodes = new ArrayList<>();
    private int started;

    /**
     * @param settings the run's settings; checkpoints go to {@code out/checkpoints}, logs to {@code out}
     * @param heap each node's {@code -Xmx}
     */
    public BenchCluster(Config settings, Path out, String heap) throws IOException {
        this.out = out;
        this.heap = heap;
        Files.createDirectories(out);
        this.config = out.resolve("cluster.conf");
        Files.writeString(config, "sppo4j " + settings.getConfig("sppo4j").root()
                .render(ConfigRenderOptions.concise().setFormatted(true)) + "\n"
                + "sppo4j.node.checkpoints = \"" + path(checkpoints()) + "\"\n"
                + "sppo4j.cluster.seeds = []\n");
    }

    public Path checkpoints() {
        return out.resolve("checkpoints");
    }

    public Path out() {
        return out;
    }

    /**
     * Starts a node of {@code roles}. The first node started seeds the cluster; every later one
     * lists every living node as a seed, so that it joins through whichever answers: with one seed
     * a restarted node whose seed was killed next retried that dead address for good (a 10-minute
     * bench chaos ended "the cluster did not recover" with rollout-1 still "Couldn't join seed
     * nodes after [43] attempts").
     */
    public NodeProcess start(String name, String roles) throws IOException {
        int port = LoopbackPorts.free();
        List<String> seeds = new java.util.ArrayList<>();
        for (NodeProcess other : living()) {
            seeds.add("--seed");
            seeds.add("127.0.0.1:" + other.spec().port());
        }
        if (seeds.isEmpty()) {
            seeds = List.of("--seed", "127.0.0.1:" + port);
        }
        NodeProcess node = NodeProcess.start(out, NodeProcess.Spec.loopback(name, roles, port, LoopbackPorts.free(),
                config, seeds).withHeap(heap));
        synchronized (nodes) {
            nodes.add(node);
        }
        started++;
        return node;
    }

    /** A fresh member in place of {@code node} (which must have ended): same name and roles, a new port. */
    public NodeProcess restart(NodeProcess node) throws IOException {
        synchronized (nodes) {
            nodes.remove(node);
        }
        return start(node.name(), node.spec().roles());
    }

    /** Nodes started so far, restarts included. */
    public int startedCount() {
        return started;
    }

    public List<NodeProcess> living() {
        synchronized (nodes) {
            return nodes.stream().filter(NodeProcess::alive).toList();
        }
    }

    public List<NodeProcess> nodes() {
        synchronized (nodes) {
            return List.copyOf(nodes);
        }
    }

    /** The node whose learner trains now (its steps counter is positive), if any. */
    public static NodeProcess activeLearner(List<NodeProcess> learners) {
        return learners.stream().filter(n -> n.metric("sppo_learner_steps_total").orElse(0) > 0).findFirst().orElse(null);
    }

    /** Polls every 100 ms until {@code condition} holds; false after {@code timeout}. */
    public static boolean await(Duration timeout, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(100);
        }
        return true;
    }

    /** Up members as {@code node} sees them, -1 while it does not answer. */
    public static double upMembers(NodeProcess node) {
        return node.metrics().getOrDefault("sppo_cluster_members{status=\"up\"}", -1.0);
    }

    /** Whether every living node sees exactly {@code count} Up members. */
    public boolean formed(int count) {
        List<NodeProcess> living = living();
        return living.size() == count && living.stream().allMatch(n -> upMembers(n) == count);
    }

    /** Samples of every living node that matches, by node. */
    public Map<NodeProcess, Map<String, Double>> scrape(Predicate<NodeProcess> which) {
        Map<NodeProcess, Map<String, Double>> samples = new java.util.LinkedHashMap<>();
        for (NodeProcess node : living()) {
            if (which.test(node)) {
                samples.put(node, node.metrics());
            }
        }
        return samples;
    }

    /** Fails the benchmark with {@code what} and where the nodes' logs are unless {@code ok}. */
    public void require(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException(what + "; the nodes' logs are in " + out);
        }
    }

    /** SIGTERM to every node (thawing frozen ones first), SIGKILL to those still there after 20 s. */
    @Override
    public void close() throws InterruptedException {
        for (NodeProcess node : nodes()) {
            node.requestStop();
        }
        for (NodeProcess node : nodes()) {
            node.close();
        }
    }

    private static String path(Path path) {
        return path.toAbsolutePath().toString().replace("\\", "/");
    }
}
