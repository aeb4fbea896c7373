package io.sppo4j.cluster.bench;

import com.typesafe.config.Config;
import io.sppo4j.cluster.node.CheckpointJournal;
import io.sppo4j.model.checkpoint.CheckpointStore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Repeated faults in a real multi-process cluster (two learner nodes, a judge, two rollout
 * nodes): every {@code every} seconds one node is killed with SIGKILL (and restarted as a fresh
 * member, as a supervisor would) or frozen with SIGSTOP for up to {@code maxPause} and thawed.
 * Faults alternate between the active learner (killed and frozen in turn, starting with a kill)
 * and a random other node (either, at random). A node that exits by
 * itself (downed while frozen) is restarted too. Reports what must hold whatever happens — no
 * weight version going down on any rollout process, no checkpoint that fails to load, no two
 * learners in the checkpoint journal — and what it cost: steps gained, failovers, judged groups
 * that never reached a learner against the credits issued.
 */
public final class ChaosBenchmark {

    /** How the faults go. */
    public record Plan(Duration duration, Duration every, Duration maxPause, long seed) {}

    private final Config settings;
    private final Path out;

    public ChaosBenchmark(Config settings, Path out) {
        this.settings = settings;
        this.out = out;
    }

    /** How long an even fault looks for the active learner before it hits another node. */
    private static final Duration FIND_ACTIVE = Duration.ofSeconds(10);

    public Map<String, Object> run(Plan plan, Consumer<String> output) throws Exception {
        // Each line says when it happened: a fault's effects are read against the nodes' logs.
        long started = System.nanoTime();
        Consumer<String> progress = line -> output.accept(
                String.format(java.util.Locale.ROOT, "[%5.1f s] %s", (System.nanoTime() - started) / 1e9, line));
        Random random = new Random(plan.seed());
        ClusterObserver observer = new ClusterObserver();
        Map<String, Integer> faults = new LinkedHashMap<>(Map.of("kill", 0, "freeze", 0, "restarted", 0));
        ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor();
        double startStep;
        int corrupt;
        try (BenchCluster cluster = new BenchCluster(settings, out, "512m")) {
            NodeProcess first = cluster.start("learner-a", "learner");
            cluster.require(BenchCluster.await(Duration.ofMinutes(3), () -> !first.metrics().isEmpty()), "learner-a did not start");
            cluster.start("learner-b", "learner");
            cluster.start("judge", "judge");
            cluster.start("rollout-1", "rollout");
            cluster.start("rollout-2", "rollout");
            int checkpointEvery = settings.getInt("sppo4j.learner.checkpoint-every");
            cluster.require(BenchCluster.await(Duration.ofMinutes(5), () -> {
                observer.poll(cluster.living());
                return cluster.formed(5) && observer.highestStep() >= checkpointEvery;
            }), "the cluster did not train");
            poller.scheduleWithFixedDelay(() -> observer.poll(cluster.living()), 0, 500, TimeUnit.MILLISECONDS);
            startStep = observer.highestStep();
            progress.accept("training at step " + (long) startStep + "; faults every " + plan.every().toSeconds() + " s");
            long end = System.nanoTime() + plan.duration().toNanos();
            for (int fault = 0; System.nanoTime() < end; fault++) {
                Thread.sleep(plan.every().toMillis());
                restartEnded(cluster, faults);
                NodeProcess victim = victim(cluster, fault, random, progress);
                if (victim == null) {
                    continue;
                }
                // The learner is killed and frozen in turn; any other node is either, at random.
                boolean kill = fault % 2 == 0 ? fault % 4 == 0 : random.nextBoolean();
                if (kill) {
                    observer.poll(victim); // its last counters, then the crash
                    victim.kill();
                    cluster.restart(victim);
                    faults.merge("kill", 1, Integer::sum);
                    progress.accept("killed " + victim.name() + " and restarted it");
                } else {
                    long pause = 1000 + random.nextInt((int) Math.max(1, plan.maxPause().toMillis() - 1000));
                    victim.freeze();
                    Thread.sleep(pause);
                    victim.thaw();
                    faults.merge("freeze", 1, Integer::sum);
                    progress.accept("froze " + victim.name() + " for " + pause + " ms");
                }
            }
            // Let the last fault settle and groups in flight arrive before the final count.
            restartEnded(cluster, faults);
            cluster.require(BenchCluster.await(Duration.ofMinutes(3), () -> cluster.formed(5)), "the cluster did not recover");
            double before = observer.highestStep();
            BenchCluster.await(Duration.ofMinutes(2), () -> observer.highestStep() > before);
            Thread.sleep(3000);
            poller.shutdownNow();
            observer.poll(cluster.living());
            corrupt = corruptCheckpoints(cluster.checkpoints(), progress);
            progress.accept("stopping the cluster");
        } finally {
            progress.accept("cluster stopped");
            poller.shutdownNow();
        }
        return report(plan, observer, faults, startStep, corrupt);
    }

    private Map<String, Object> report(Plan plan, ClusterObserver observer, Map<String, Integer> faults,
            double startStep, int corrupt) throws IOException {
        double judged = observer.total("sppo_judge_groups_total");
        double received = observer.total("sppo_learner_staleness_versions_count");
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("benchmark", "chaos");
        result.put("minutes", plan.duration().toSeconds() / 60.0);
        result.put("fault_every_s", plan.every().toSeconds());
        result.put("faults", faults);
        result.put("steps_gained", observer.highestStep() - startStep);
        result.put("failovers", observer.learnerChanges());
        result.put("version_regressions", observer.regressions().size());
        result.put("version_regression_details", observer.regressions());
        result.put("corrupt_checkpoints", corrupt);
        result.put("journal_violations", CheckpointJournal.violations(out.resolve("checkpoints")));
        result.put("credits_issued", observer.total("sppo_learner_credits_issued_total"));
        result.put("groups_judged", judged);
        result.put("groups_received", received);
        result.put("lost_groups", Math.max(0, judged - received));
        result.put("credits_reclaimed", observer.total("sppo_learner_reclaimed_credits_total"));
        result.put("dropped_stale", observer.total("sppo_learner_dropped_stale_groups_total"));
        return result;
    }

    /**
     * Even faults hit the learner that trains now; odd ones a random other node. Which learner
     * trains is read off the nodes' metrics, and a scrape can time out on a loaded machine: an
     * even fault asks again for up to {@link #FIND_ACTIVE} before it settles for another node
     * (once it did not, and a run meant to kill the learner first killed a worker instead).
     */
    private static NodeProcess victim(BenchCluster cluster, int fault, Random random, Consumer<String> progress)
            throws InterruptedException {
        List<NodeProcess> living = cluster.living();
        NodeProcess active = BenchCluster.activeLearner(living);
        long deadline = System.nanoTime() + FIND_ACTIVE.toNanos();
        while (fault % 2 == 0 && active == null && System.nanoTime() < deadline) {
            Thread.sleep(500);
            living = cluster.living();
            active = BenchCluster.activeLearner(living);
        }
        if (fault % 2 == 0) {
            if (active != null) {
                return active;
            }
            progress.accept("no learner reported steps within " + FIND_ACTIVE.toSeconds() + " s; fault " + fault
                    + " hits another node");
        }
        NodeProcess spared = active;
        List<NodeProcess> others = living.stream().filter(node -> node != spared).toList();
        return others.isEmpty() ? null : others.get(random.nextInt(others.size()));
    }

    /** Restarts every node whose process ended by itself (a frozen node the cluster downed exits when thawed). */
    private static void restartEnded(BenchCluster cluster, Map<String, Integer> faults) throws IOException {
        for (NodeProcess node : cluster.nodes()) {
            if (!node.alive()) {
                cluster.restart(node);
                faults.merge("restarted", 1, Integer::sum);
            }
        }
    }

    /** Checkpoints in the directory that fail to load (each is named in the progress output). */
    private static int corruptCheckpoints(Path directory, Consumer<String> progress) throws IOException {
        CheckpointStore store = new CheckpointStore(directory, 1);
        int corrupt = 0;
        for (Path checkpoint : store.list()) {
            try {
                store.load(checkpoint);
            } catch (IOException | RuntimeException e) {
                if (!Files.isDirectory(checkpoint)) {
                    // The learner still runs: its retention retired this one between list and load.
                    continue;
                }
                corrupt++;
                progress.accept("corrupt checkpoint " + checkpoint + ": " + e.getMessage());
            }
        }
        return corrupt;
    }

}
