package io.sppo4j.cluster.node;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Five JVMs on 127.0.0.1 — an active learner, a standby learner, a judge and two rollout
 * workers — train sort together while the test crashes and adds nodes: (a) a rollout JVM is
 * killed with SIGKILL and training goes on; (b) a new rollout JVM joins and contributes with
 * current weights; (c) the active learner is killed and the standby takes over from the
 * checkpoint. Throughout, no rollout worker's weight version ever goes down. The limits of the
 * waits only bound a broken build (scaled by {@code pekko.test.timefactor}); how fast a failover
 * is, is measured by {@code sppo bench failover}.
 */
class ClusterFailoverTest {

    private static final int CHECKPOINT_EVERY = 40;

    @TempDir
    Path dir;

    private final List<ChildNode> nodes = new ArrayList<>();
    private final Map<String, Double> highestVersion = new ConcurrentHashMap<>();
    private final List<String> regressions = new ArrayList<>();
    private ScheduledExecutorService watcher;

    @AfterEach
    void stopEverything() throws Exception {
        if (watcher != null) {
            watcher.shutdownNow();
        }
        for (ChildNode node : nodes) {
            node.close();
        }
    }

    @Test
    void trainingSurvivesCrashesAndWelcomesLateWorkers() throws Exception {
        Path config = writeConfig();
        int learnerPort = ChildNode.freePort();
        int standbyPort = ChildNode.freePort();
        List<String> seeds = List.of("127.0.0.1:" + learnerPort);
        ChildNode learner = start("learner-a", "learner", learnerPort, config, seeds);
        awaitUp(learner, Duration.ofSeconds(60));
        ChildNode standby = start("learner-b", "learner", standbyPort, config, seeds);
        ChildNode judge = start("judge", "judge", ChildNode.freePort(), config, seeds);
        ChildNode rolloutOne = start("rollout-1", "rollout", ChildNode.freePort(), config, seeds);
        ChildNode rolloutTwo = start("rollout-2", "rollout", ChildNode.freePort(), config, seeds);
        watchVersions(List.of(rolloutOne, rolloutTwo));
        await("the cluster trains", Duration.ofSeconds(120), () -> step(learner) >= 2 * CHECKPOINT_EVERY);

        // (a) A rollout JVM crashes: the learner takes its credits back and keeps training.
        rolloutOne.kill();
        double afterCrash = step(learner);
        await("training continues after a rollout crash", Duration.ofSeconds(60),
                () -> step(learner) >= afterCrash + 2 * CHECKPOINT_EVERY);
        assertTrue(learner.alive(), "the learner JVM is alive");
        assertFalse(learner.logText().contains("ERROR i.sppo4j.actors.Learner"), "no learner step failed");

        // (b) A new rollout JVM joins mid-run: it gets the current weights and contributes.
        ChildNode rolloutThree = start("rollout-3", "rollout", ChildNode.freePort(), config, seeds);
        watchVersions(List.of(rolloutThree));
        awaitUp(rolloutThree, Duration.ofSeconds(60));
        long joined = System.nanoTime();
        double versionAtJoin = learner.metric("sppo_policy_version").orElse(0);
        await("the late worker samples with current weights", Duration.ofSeconds(60),
                () -> rolloutThree.metric("sppo_rollout_sequences_total").orElse(0) > 0
                        && rolloutThree.metric("sppo_rollout_policy_version").orElse(-1) >= versionAtJoin);
        System.out.printf("late rollout contributed %.1f s after its node came up%n", (System.nanoTime() - joined) / 1e9);

        // (c) The active learner crashes: the standby resumes from the newest checkpoint.
        double lastStep = step(learner);
        learner.kill();
        long crashed = System.nanoTime();
        await("the standby learner takes over", Duration.ofSeconds(120),
                () -> standby.metric("sppo_learner_steps_total").orElse(0) > 0);
        double takeover = (System.nanoTime() - crashed) / 1e9;
        long resumedStep = resumedStep(standby);
        System.out.printf("standby took over after %.1f s from step %d (the crashed learner was at %.0f)%n",
                takeover, resumedStep, lastStep);
        assertTrue(resumedStep >= lastStep - CHECKPOINT_EVERY,
                "resumed at step " + resumedStep + ", the crashed learner was at " + lastStep);
        double resumed = step(standby);
        await("the standby trains", Duration.ofSeconds(60), () -> step(standby) >= resumed + CHECKPOINT_EVERY);
        await("rollouts follow the new learner", Duration.ofSeconds(60),
                () -> rolloutThree.metric("sppo_rollout_policy_version").orElse(-1)
                        > standby.metric("sppo_policy_version").orElse(Double.MAX_VALUE) - 10);
        synchronized (regressions) {
            assertTrue(regressions.isEmpty(), "weight versions went down: " + regressions);
        }
        assertTrue(judge.alive() && rolloutTwo.alive(), "the other nodes lived through it");
    }

    private ChildNode start(String name, String roles, int port, Path config, List<String> seeds) throws Exception {
        ChildNode node = ChildNode.start(dir, name, roles, port, config, seeds);
        nodes.add(node);
        return node;
    }

    private static double step(ChildNode node) {
        return node.metric("sppo_learner_step").orElse(0);
    }

    /** The step a learner resumed from, as it logged it (0 when it started fresh). */
    private static long resumedStep(ChildNode node) throws Exception {
        Matcher matcher = Pattern.compile("resumed from checkpoint at step (\\d+)").matcher(node.logText());
        return matcher.find() ? Long.parseLong(matcher.group(1)) : 0;
    }

    /** Polls the workers' versions several times a second and records any that goes down. */
    private void watchVersions(List<ChildNode> rollouts) {
        if (watcher == null) {
            watcher = Executors.newSingleThreadScheduledExecutor();
        }
        for (ChildNode rollout : rollouts) {
            watcher.scheduleWithFixedDelay(() -> {
                OptionalDouble version = rollout.metric("sppo_rollout_policy_version");
                if (version.isEmpty()) {
                    return;
                }
                double previous = highestVersion.getOrDefault(rollout.name, -1.0);
                if (version.getAsDouble() < previous) {
                    synchronized (regressions) {
                        regressions.add(rollout.name + ": v" + previous + " then v" + version.getAsDouble());
                    }
                }
                highestVersion.merge(rollout.name, version.getAsDouble(), Math::max);
            }, 0, 200, TimeUnit.MILLISECONDS);
        }
    }

    private void awaitUp(ChildNode node, Duration timeout) throws Exception {
        await(node.name + " serves its metrics", timeout, () -> !node.metrics().isEmpty());
    }

    private void await(String what, Duration timeout, BooleanSupplier condition) throws Exception {
        ChildNode.await(nodes, what, timeout, condition);
    }

    private Path writeConfig() throws Exception {
        return ChildNode.writeTinySortProfile(dir.resolve("cluster-test.conf"), dir.resolve("checkpoints"),
                CHECKPOINT_EVERY, "host = \"127.0.0.1\", stable-after = 5s");
    }
}
