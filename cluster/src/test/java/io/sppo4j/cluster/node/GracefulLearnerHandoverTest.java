package io.sppo4j.cluster.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.sppo4j.cluster.TestTime;
import io.sppo4j.model.checkpoint.Checkpoint;
import io.sppo4j.model.checkpoint.CheckpointStore;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The graceful move of the learner singleton, as SIGTERM or a rolling update makes it: two
 * learner-role nodes and a rollout-and-judge node, in this JVM over loopback, train sort with
 * their checkpoints in one directory under the checkpoint lease (as {@code sppo node} wires them);
 * then the node hosting the learner runs coordinated shutdown (what the JVM's shutdown hook runs on
 * SIGTERM) and leaves the cluster. Its learner, told {@link io.sppo4j.actors.Learner.Handover} by
 * the singleton manager, checkpoints at the very step it reached, and the learner that starts on
 * the other node resumes there: no step trained twice, none lost, and training goes on. The
 * directory's journal names every commit (generation, owner, step), so the test reads which
 * learner wrote what. The lease's heartbeat timeout is far longer than the test: the successor
 * starts only because the leaving learner released the lease, never because it went silent. A
 * crash (SIGKILL) is {@link ClusterFailoverTest}'s.
 *
 * <p>Both learner-role nodes share this JVM's fence of the directory ({@link
 * CheckpointFence#forDirectory}), each with its lease owner, so the lease file protocol runs as
 * between processes; only the fence object is one.
 */
class GracefulLearnerHandoverTest {

    private static final int CHECKPOINT_EVERY = 10;
    private static final Pattern JOURNAL_LINE = Pattern.compile("generation=(\\d+) owner=(\\S+) step=(\\d+) .*");

    @TempDir
    Path dir;

    private final List<ActorSystem<Void>> systems = new ArrayList<>();

    @AfterEach
    void terminate() throws Exception {
        ClusterChecks.terminateAll(systems);
    }

    /** One commit in the checkpoint directory's journal. */
    private record Commit(long generation, String owner, long step) {}

    @Test
    void aLeavingLearnerHandsItsVeryStepToTheStandby() throws Exception {
        Path checkpoints = dir.resolve("checkpoints");
        Config settings = ClusterChecks.tinySortSettings(
                "sppo4j.node.checkpoints=\"" + checkpoints.toString().replace("\\", "/") + "\"",
                "sppo4j.learner.checkpoint-every=" + CHECKPOINT_EVERY,
                "sppo4j.learner.checkpoint-keep=1000", // every checkpoint stays, to be read afterwards
                // A leaving learner releases the lease: its successor never waits for it to go silent.
                "sppo4j.cluster.learner-handover.lease.heartbeat-timeout=10m");
        // As `sppo node` with a checkpoint directory: the learner starts only under the directory's lease.
        LearnerHandover handover = LearnerHandover.from(settings, true);
        assertTrue(handover.leased(), "the default handover is leased");
        int firstPort = ChildNode.freePort();
        int secondPort = ChildNode.freePort();
        PrometheusRegistry firstMetrics = new PrometheusRegistry();
        PrometheusRegistry secondMetrics = new PrometheusRegistry();

        // The first learner-role node is the oldest, so the learner runs there.
        ActorSystem<Void> first = node(settings, Set.of(NodeGuardian.LEARNER), firstPort, firstPort, firstMetrics,
                learnerStore(settings, checkpoints), handover);
        ClusterChecks.await("the first node is up", Duration.ofSeconds(30), () -> ClusterChecks.up(first) == 1);
        ActorSystem<Void> second = node(settings, Set.of(NodeGuardian.LEARNER), secondPort, firstPort, secondMetrics,
                learnerStore(settings, checkpoints), handover);
        node(settings, Set.of(NodeGuardian.ROLLOUT, NodeGuardian.JUDGE), ChildNode.freePort(), firstPort,
                new PrometheusRegistry(), null, handover);
        ClusterChecks.await("three members are up", Duration.ofSeconds(60),
                () -> ClusterChecks.up(first) == 3 && ClusterChecks.up(second) == 3);
        ClusterChecks.await("the learner trains past two periodic checkpoints", Duration.ofSeconds(90),
                () -> ClusterChecks.gauge(firstMetrics, "sppo_learner_step") > 2 * CHECKPOINT_EVERY);
        assertEquals(0, ClusterChecks.counter(secondMetrics, "sppo_learner_steps_total"),
                "the standby trains nothing while the first node hosts the learner");

        // What SIGTERM runs: coordinated shutdown, whose phases make the node leave the cluster
        // (the singleton hands over) and then terminate its ActorSystem.
        long leaving = System.nanoTime();
        CoordinatedShutdown.get(first).runAll(CoordinatedShutdown.jvmExitReason())
                .toCompletableFuture().get(TestTime.seconds(60).toMillis(), TimeUnit.MILLISECONDS);
        first.getWhenTerminated().toCompletableFuture().get(TestTime.seconds(30).toMillis(), TimeUnit.MILLISECONDS);
        // The first learner is gone: its metrics are final.
        long handedOverStep = (long) ClusterChecks.gauge(firstMetrics, "sppo_learner_step");
        long handedOverVersion = (long) ClusterChecks.gauge(firstMetrics, "sppo_policy_version");

        // It committed a checkpoint at the very step it had reached, after its periodic ones.
        List<Commit> firstCommits = commits(checkpoints).stream().filter(commit -> commit.generation() == 1).toList();
        List<Long> expectedFirst = periodic(0, handedOverStep);
        expectedFirst.add(handedOverStep);
        assertEquals(expectedFirst, steps(firstCommits),
                "the leaving learner (at step " + handedOverStep + ") commits its periodic checkpoints and then a"
                        + " hand-over checkpoint at that step; the journal of its generation shows " + firstCommits
                        + " (checkpoint saves refused by the directory's fence: "
                        + CheckpointFence.forDirectory(checkpoints).refusedCommits() + ")");
        assertTrue(firstCommits.stream().allMatch(commit -> commit.owner().contains(":" + firstPort + "#")),
                "generation 1 is the first node's: " + firstCommits);
        Checkpoint handedOver = new CheckpointStore(checkpoints, 1000)
                .load(checkpoints.resolve(String.format("step-%010d", handedOverStep)));
        assertEquals(handedOverStep, handedOver.step());
        assertEquals(handedOverVersion, handedOver.version(), "the hand-over checkpoint holds the latest version");

        // The learner starts on the other learner-role node, from that checkpoint, and trains on.
        try {
            ClusterChecks.await("the learner trains on the other node", Duration.ofSeconds(60),
                    () -> ClusterChecks.counter(secondMetrics, "sppo_learner_steps_total") > 0);
        } catch (AssertionError e) {
            Path lease = checkpoints.resolve(CheckpointFence.LEASE_FILE);
            throw new AssertionError(e.getMessage() + "; " + lease + " reads: "
                    + (Files.exists(lease) ? Files.readString(lease).strip().replace('\n', ' ') : "(none)"), e);
        }
        System.out.printf("the learner moved at step %d and trained again on the other node %.1f s after the leave began%n",
                handedOverStep, (System.nanoTime() - leaving) / 1e9);
        ClusterChecks.await("training goes on past two more periodic checkpoints", Duration.ofSeconds(60),
                () -> ClusterChecks.gauge(secondMetrics, "sppo_learner_step") > handedOverStep + 2 * CHECKPOINT_EVERY);

        // The second node leaves too (the cluster's last learner stops the same way): its figures are then final.
        CoordinatedShutdown.get(second).runAll(CoordinatedShutdown.jvmExitReason())
                .toCompletableFuture().get(TestTime.seconds(60).toMillis(), TimeUnit.MILLISECONDS);
        second.getWhenTerminated().toCompletableFuture().get(TestTime.seconds(30).toMillis(), TimeUnit.MILLISECONDS);
        long lastStep = (long) ClusterChecks.gauge(secondMetrics, "sppo_learner_step");
        long secondSteps = (long) (ClusterChecks.counter(secondMetrics, "sppo_learner_steps_total")
                + ClusterChecks.counter(secondMetrics, "sppo_learner_skipped_steps_total"));
        assertEquals(handedOverStep, lastStep - secondSteps, "the second learner took " + secondSteps
                + " steps and ended at step " + lastStep + ": it resumed from step " + (lastStep - secondSteps)
                + ", the first learner handed over at step " + handedOverStep);
        assertTrue(ClusterChecks.gauge(secondMetrics, "sppo_policy_version") > handedOverVersion,
                "versions go on above the handed-over version " + handedOverVersion);
        List<Commit> secondCommits = commits(checkpoints).stream().filter(commit -> commit.generation() == 2).toList();
        List<Long> expectedSecond = periodic(handedOverStep, lastStep);
        expectedSecond.add(lastStep);
        assertEquals(expectedSecond, steps(secondCommits), "the second learner's commits: " + secondCommits);
        assertTrue(secondCommits.stream().allMatch(commit -> commit.owner().contains(":" + secondPort + "#")),
                "generation 2 is the second node's: " + secondCommits);
        assertEquals(firstCommits.size() + secondCommits.size(), commits(checkpoints).size(),
                "no other learner wrote: " + commits(checkpoints));
    }

    private ActorSystem<Void> node(Config settings, Set<String> roles, int port, int seedPort,
            PrometheusRegistry registry, CheckpointStore checkpoints, LearnerHandover handover) throws Exception {
        ActorSystem<Void> system = ClusterChecks.startNode(settings, roles, port, seedPort, registry, dir.toString(),
                checkpoints, handover);
        systems.add(system);
        return system;
    }

    /** A learner-role node's store, as {@code sppo node} makes it: commits only under this JVM's fence of the directory. */
    private static CheckpointStore learnerStore(Config settings, Path checkpoints) {
        return new CheckpointStore(checkpoints, settings.getInt("sppo4j.learner.checkpoint-keep"),
                CheckpointFence.forDirectory(checkpoints));
    }

    /** The periodic checkpoint steps after {@code from} up to {@code to}. */
    private static List<Long> periodic(long from, long to) {
        List<Long> steps = new ArrayList<>();
        for (long step = (from / CHECKPOINT_EVERY + 1) * CHECKPOINT_EVERY; step <= to; step += CHECKPOINT_EVERY) {
            steps.add(step);
        }
        return steps;
    }

    private static List<Long> steps(List<Commit> commits) {
        return commits.stream().map(Commit::step).toList();
    }

    private static List<Commit> commits(Path checkpoints) throws Exception {
        List<Commit> commits = new ArrayList<>();
        Path journal = checkpoints.resolve(CheckpointFence.JOURNAL_FILE);
        if (!Files.exists(journal)) {
            return commits; // nothing committed
        }
        for (String line : Files.readAllLines(journal)) {
            Matcher matcher = JOURNAL_LINE.matcher(line);
            assertTrue(matcher.matches(), "a journal line: " + line);
            commits.add(new Commit(Long.parseLong(matcher.group(1)), matcher.group(2), Long.parseLong(matcher.group(3))));
        }
        return commits;
    }
}
