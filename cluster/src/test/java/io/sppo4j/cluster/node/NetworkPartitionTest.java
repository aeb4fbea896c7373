package io.sppo4j.cluster.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.sppo4j.cluster.TestTime;
import io.sppo4j.cluster.bench.NodeProcess;
import io.sppo4j.model.checkpoint.CheckpointStore;

import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real network partitions: five node JVMs on five hosts of their own ({@link NetworkNamespaces}),
 * two of them learner-role, sharing one checkpoint directory as pods share a volume. The network
 * is cut into a 3-node and a 2-node side, both sides alive, in both ways the learners can fall:
 * (a) both learners with the majority, the minority only workers; (b) the active learner with
 * the minority, the standby with the majority. Each time the minority downs itself and exits,
 * the majority trains with exactly one learner, and no two learners ever train at once; after
 * healing, the downed nodes are restarted (as Kubernetes restarts a pod) and rejoin as fresh
 * members. Then (c) the active learner is frozen (SIGSTOP) until the standby has taken the
 * checkpoint directory over, and thawed: the zombie's checkpoint is refused at write time.
 * Throughout, the checkpoint journal shows one learner generation after another and every
 * checkpoint loads.
 */
class NetworkPartitionTest {

    /** The whole test's bound (scaled like every wait): a hung step fails it rather than the build. */
    private static final Duration BOUND = Duration.ofMinutes(12);

    private static final int CHECKPOINT_EVERY = 10;
    private static final int PORT = 25520;
    private static final int METRICS_PORT = 9464;
    private static final int L1 = 1;
    private static final int L2 = 2;
    private static final int W1 = 3;
    private static final int W2 = 4;
    private static final int W3 = 5;

    @TempDir
    Path dir;

    private NetworkNamespaces hosts;
    private Path config;
    private final Map<Integer, ChildNode> nodes = new java.util.TreeMap<>();
    private final List<ChildNode> everyNode = new ArrayList<>();
    private final List<String> overlaps = new ArrayList<>();
    private ScheduledExecutorService watcher;

    @BeforeEach
    void buildHosts() throws Exception {
        List<String> leftovers = NetworkNamespaces.removeLeftovers();
        if (!leftovers.isEmpty()) {
            System.err.println("removed what a killed run left: " + leftovers);
        }
        String unavailable = NetworkNamespaces.unavailable();
        if (unavailable != null) {
            if (NetworkNamespaces.optedOut()) {
                Assumptions.abort("partition tests skipped (" + NetworkNamespaces.OPT_OUT + "=skip): " + unavailable);
            }
            fail(unavailable + ". These tests need root and iproute2; set " + NetworkNamespaces.OPT_OUT
                    + "=skip to report them as skipped instead.");
        }
        hosts = new NetworkNamespaces(5);
    }

    @AfterEach
    void tearDown() throws Exception {
        if (watcher != null) {
            watcher.shutdownNow();
        }
        for (ChildNode node : everyNode) {
            node.close();
        }
        // The nodes' logs outlive the temporary directory, for whoever reads a failure.
        Path kept = Files.createDirectories(Path.of("target", "partition-test-logs"));
        try (var logs = Files.list(dir)) {
            for (Path log : logs.filter(file -> file.toString().endsWith(".log")).toList()) {
                Files.copy(log, kept.resolve(log.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
        if (hosts != null) {
            hosts.close();
        }
    }

    @Test
    void theMajoritySideTrainsWithOneLearnerAndTheMinorityDownsItself() {
        assertTimeoutPreemptively(TestTime.scaled(BOUND), this::cutHealAndFreeze);
    }

    private void cutHealAndFreeze() throws Exception {
        Path checkpoints = dir.resolve("checkpoints");
        // Five JVMs share two cores here: a failure detector more patient than production's keeps
        // start-up storms from reading as crashes. The safety checked here rests on the lease, not on timing.
        config = ChildNode.writeTinySortProfile(dir.resolve("partition-test.conf"), checkpoints, CHECKPOINT_EVERY,
                "failure-detector.acceptable-heartbeat-pause = 6s");
        // Two at a time after the seed: five JVMs starting at once on two cores starve each other's heartbeats.
        for (List<Integer> batch : List.of(List.of(L1), List.of(L2, W1), List.of(W2, W3))) {
            for (int host : batch) {
                start(host, host <= L2 ? "learner" : "rollout,judge");
            }
            int members = nodes.size();
            await("hosts " + batch + " join", Duration.ofSeconds(120),
                    () -> nodes.values().stream().allMatch(node -> upMembers(node) == members));
        }
        await("five hosts train", Duration.ofSeconds(120), () -> trained(L1) >= 2 * CHECKPOINT_EVERY);
        watchLearners();

        // (a) Both learners on the majority side: the two workers cut off down themselves.
        cutOff(List.of(W2, W3), L1);
        assertEquals(0.0, node(L2).metric("sppo_learner_steps_total").orElse(-1), "the standby never trained");
        healAndRestart(List.of(W2, W3));

        // (b) The active learner on the minority side: it stops there, and the standby takes over.
        cutOff(List.of(L1, W1), L2);
        healAndRestart(List.of(L1, W1));
        assertEquals(0.0, node(L1).metric("sppo_learner_steps_total").orElse(-1), "the restarted learner is the standby");

        // (c) A zombie: the active learner freezes long enough to be replaced, then wakes up. It may
        // still step once or twice on what it had queued; it must not write, and it must stop.
        watcher.shutdownNow();
        ChildNode zombie = node(L2);
        freezeOutsideTheFence(zombie, checkpoints);
        await("the standby takes over from the frozen learner", Duration.ofSeconds(90),
                () -> trained(L1) >= CHECKPOINT_EVERY && journal().stream().anyMatch(line -> line.startsWith("generation=3 ")));
        zombie.process.thaw();
        await("the thawed zombie finds itself downed and exits", Duration.ofSeconds(90), () -> !zombie.alive());
        String zombieLog = zombie.logText();
        assertTrue(zombieLog.contains("lost the checkpoint directory") || zombieLog.contains("CheckpointFencedException"),
                "the zombie learned at once that it was superseded:\n" + tail(zombieLog));
        assertTrue(!zombieLog.contains("CheckpointFencedException") || zombieLog.contains("refused: generation 2"),
                "any checkpoint the zombie tried was refused for its superseded generation");

        synchronized (overlaps) {
            assertTrue(overlaps.isEmpty(), "two learners trained at the same time: " + overlaps);
        }
        // The learner still writes (and retires old checkpoints): stop everything before reading them all.
        for (ChildNode node : everyNode) {
            node.close();
        }
        checkJournal(checkpoints);
    }

    /**
     * Freezes {@code learner} while this JVM holds the checkpoint directory's lock, so that it does
     * not stop inside a critical section of its fence (a lease beat or a checkpoint's rename, a few
     * milliseconds a second). A learner frozen there keeps the lock, and with it its successor
     * from taking the directory over, until it thaws or is killed (in Kubernetes, by its liveness
     * probe); this test thaws it only once the successor has taken over, so it freezes it outside.
     */
    private static void freezeOutsideTheFence(ChildNode learner, Path checkpoints) throws Exception {
        try (FileChannel channel = FileChannel.open(checkpoints.resolve(CheckpointFence.LOCK_FILE),
                StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock lock = channel.lock()) {
            learner.process.freeze();
        }
    }

    /**
     * Cuts {@code minority} off; it must down itself (every node exits by itself) while the other
     * side, where {@code learner} is or becomes active, trains on with that one learner.
     */
    private void cutOff(List<Integer> minority, int learner) throws Exception {
        hosts.partition(minority);
        for (int host : minority) {
            ChildNode cut = node(host);
            await(cut.name + " on the minority side downs itself and exits", Duration.ofSeconds(90), () -> !cut.alive());
            // Its side's resolver (the leader of the side) downed it: the node says so as it goes.
            assertTrue(cut.logText().contains("Node has been marked as DOWN") || cut.logText().contains("including myself"),
                    cut.name + " was downed by its own side:\n" + tail(cut.logText()));
        }
        // DownReachable, or DownAll when its view of the cut kept changing: either downs its own side only.
        assertTrue(minority.stream().anyMatch(host -> node(host).logText().contains("SBR took decision DownReachable")
                        || node(host).logText().contains("SBR took decision DownAll")),
                "the minority's resolver decided to down its own side");
        List<Integer> majority = nodes.keySet().stream().filter(host -> !minority.contains(host)).toList();
        await("the majority side sees only itself", Duration.ofSeconds(60),
                () -> majority.stream().allMatch(host -> upMembers(host) == 3 && unreachable(host) == 0));
        double from = trained(learner);
        await("the majority side trains", Duration.ofSeconds(90), () -> trained(learner) >= from + 2 * CHECKPOINT_EVERY);
        for (int host : majority) {
            if (host != learner && host <= L2) {
                assertEquals(0.0, node(host).metric("sppo_learner_steps_total").orElse(-1),
                        "exactly one learner trains on the majority side");
            }
        }
    }

    /** Heals the network and restarts {@code downed} on their hosts: fresh members that rejoin and work. */
    private void healAndRestart(List<Integer> downed) throws Exception {
        hosts.heal();
        for (int host : downed) {
            start(host, host <= L2 ? "learner" : "rollout,judge");
        }
        await("the restarted nodes rejoin as fresh members", Duration.ofSeconds(180), () -> allSeeUp(5));
        for (int host : downed) {
            if (host > L2) {
                await(node(host).name + " samples again", Duration.ofSeconds(60),
                        () -> node(host).metric("sppo_rollout_sequences_total").orElse(0) > 0);
            }
        }
    }

    /** Every journal line's generation is at least the one before, and each generation has one owner; every checkpoint loads. */
    private void checkJournal(Path checkpoints) throws Exception {
        List<String> lines = journal();
        assertTrue(lines.size() >= 3, "checkpoints were written: " + lines);
        long generation = 0;
        Map<Long, String> owners = new java.util.HashMap<>();
        for (String line : lines) {
            String[] fields = line.split(" ");
            long lineGeneration = Long.parseLong(fields[0].substring("generation=".length()));
            assertTrue(lineGeneration >= generation, "a superseded learner wrote after its successor: " + lines);
            generation = lineGeneration;
            String owner = fields[1];
            assertEquals(owners.computeIfAbsent(lineGeneration, g -> owner), owner, "one owner per generation: " + lines);
        }
        assertEquals(3, generation, "three learners held the directory in turn: " + lines);
        CheckpointStore store = new CheckpointStore(checkpoints, 1);
        for (Path checkpoint : store.list()) {
            store.load(checkpoint); // throws naming the file if any is damaged
        }
    }

    private List<String> journal() {
        try {
            Path file = dir.resolve("checkpoints").resolve(CheckpointFence.JOURNAL_FILE);
            return Files.exists(file) ? Files.readAllLines(file) : List.of();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Polls both learner hosts' step counters; records any poll in which two processes both stepped. */
    private void watchLearners() {
        Map<NodeProcess, Double> last = new IdentityHashMap<>();
        watcher = Executors.newSingleThreadScheduledExecutor();
        watcher.scheduleWithFixedDelay(() -> {
            List<String> stepped = new ArrayList<>();
            for (int host : List.of(L1, L2)) {
                ChildNode learner = node(host);
                double now = learner.metric("sppo_learner_steps_total").orElse(Double.NaN);
                Double before = last.put(learner.process, now);
                if (before != null && now > before) {
                    stepped.add(learner.name + " (" + before + " -> " + now + ")");
                }
            }
            if (stepped.size() > 1) {
                synchronized (overlaps) {
                    overlaps.add(String.join(" and ", stepped));
                }
            }
        }, 0, 250, TimeUnit.MILLISECONDS);
    }

    private void start(int host, String roles) throws Exception {
        List<String> arguments = new ArrayList<>();
        // A restarted node must not list itself as a seed: the first seed node forms a cluster of its
        // own when the others do not answer within seed-node-timeout, and a busy machine is slow to answer.
        boolean restart = nodes.containsKey(host);
        for (int seed = 1; seed <= 5; seed++) {
            if (!(restart && seed == host)) {
                arguments.addAll(List.of("--seed", hosts.dataAddress(seed) + ":" + PORT));
            }
        }
        arguments.addAll(List.of("--set", "sppo4j.cluster.host=\"" + hosts.dataAddress(host) + "\"",
                "--set", "sppo4j.metrics.host=\"" + hosts.managementAddress(host) + "\""));
        String name = (host <= L2 ? "learner-" + host : "worker-" + (host - L2));
        NodeProcess.Spec spec = new NodeProcess.Spec(name, roles, PORT, hosts.managementAddress(host), METRICS_PORT,
                config, arguments, Map.of(), hosts.exec(host), "384m");
        ChildNode node = ChildNode.start(dir, spec);
        nodes.put(host, node);
        everyNode.add(node);
    }

    private ChildNode node(int host) {
        return nodes.get(host);
    }

    private boolean allSeeUp(int count) {
        return nodes.values().stream().allMatch(node -> node.alive() && upMembers(node) == count);
    }

    private double upMembers(int host) {
        return upMembers(node(host));
    }

    private static double upMembers(ChildNode node) {
        return node.metrics().getOrDefault("sppo_cluster_members{status=\"up\"}", -1.0);
    }

    private double unreachable(int host) {
        return node(host).metric("sppo_cluster_unreachable_members").orElse(-1);
    }

    /** Optimiser steps this host's current process took. */
    private double trained(int host) {
        return node(host).metric("sppo_learner_steps_total").orElse(0);
    }

    private void await(String what, Duration timeout, BooleanSupplier condition) throws Exception {
        try {
            ChildNode.await(everyNode.stream().filter(ChildNode::alive).toList(), what, timeout, condition);
        } catch (AssertionError e) {
            // The nodes' log tails that follow are long: the state that matters comes first.
            throw new AssertionError(e.getMessage().replaceFirst("\n", "\n" + java.util.regex.Matcher.quoteReplacement(state()) + "\n"), e);
        }
    }

    /** One line per host (steps, fence generation, members) and the lease and journal as the directory has them. */
    private String state() {
        StringBuilder text = new StringBuilder();
        for (var entry : nodes.entrySet()) {
            ChildNode node = entry.getValue();
            text.append(node.name).append(node.alive() ? "" : " (exited)")
                    .append(": steps ").append(node.metric("sppo_learner_steps_total").orElse(-1))
                    .append(", fence generation ").append(node.metric("sppo_checkpoint_fence_generation").orElse(-1))
                    .append(", up ").append(upMembers(node))
                    .append(", unreachable ").append(node.metric("sppo_cluster_unreachable_members").orElse(-1)).append('\n');
        }
        try {
            Path lease = dir.resolve("checkpoints").resolve(CheckpointFence.LEASE_FILE);
            text.append("lease: ").append(Files.exists(lease) ? Files.readString(lease).strip() : "none").append('\n');
        } catch (java.io.IOException e) {
            text.append("lease: ").append(e).append('\n');
        }
        List<String> journal = journal();
        text.append("journal (last lines): ").append(journal.subList(Math.max(0, journal.size() - 3), journal.size()));
        return text.toString();
    }

    private static String tail(String log) {
        return log.substring(Math.max(0, log.length() - 4000));
    }
}
