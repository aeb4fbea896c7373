package io.sppo4j.cluster.bench;

import com.typesafe.config.Config;

import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Learner failover, timed as a user meets it: the README's four {@code sppo node} processes
 * (active learner, standby learner, judge, rollout) on loopback; the active learner's JVM is
 * killed with SIGKILL, and the time runs until the standby's learner has taken optimiser steps.
 * The killed node is then restarted (a fresh member, the next standby) and, once the cluster
 * trains again, the new active learner is killed in turn.
 */
public final class FailoverBenchmark {

    /** What the standby's log says as the hand-over goes, in order: the phases of a failover. */
    private static final Map<String, Pattern> PHASES = phases();

    private final Config settings;
    private final Path out;

    public FailoverBenchmark(Config settings, Path out) {
        this.settings = settings;
        this.out = out;
    }

    public Map<String, Object> run(int kills, Consumer<String> progress) throws Exception {
        List<Double> seconds = new ArrayList<>();
        List<Map<String, Object>> rounds = new ArrayList<>();
        int checkpointEvery = settings.getInt("sppo4j.learner.checkpoint-every");
        try (BenchCluster cluster = new BenchCluster(settings, out, "512m")) {
            NodeProcess active = cluster.start("learner-a", "learner");
            cluster.require(BenchCluster.await(Duration.ofMinutes(2), () -> !active.metrics().isEmpty()), "learner-a did not start");
            NodeProcess standby = cluster.start("learner-b", "learner");
            cluster.start("judge", "judge");
            NodeProcess rollout = cluster.start("rollout", "rollout");
            NodeProcess current = active;
            for (int round = 1; round <= kills; round++) {
                NodeProcess learner = current;
                NodeProcess next = standby;
                // Steady state first: all four up, and the learner past a checkpoint of its own.
                cluster.require(BenchCluster.await(Duration.ofMinutes(5), () -> cluster.formed(4)
                        && learner.metric("sppo_learner_steps_total").orElse(0) >= checkpointEvery + 5
                        && rollout.metric("sppo_rollout_sequences_total").orElse(0) > 0),
                        "round " + round + ": the cluster did not train with four members");
                double stepAtKill = learner.metric("sppo_learner_step").orElse(0);
                LocalTime killedAt = LocalTime.now();
                long killed = System.nanoTime();
                learner.kill();
                cluster.require(BenchCluster.await(Duration.ofMinutes(2), () -> next.metric("sppo_learner_steps_total").orElse(0) > 0),
                        "round " + round + ": the standby did not train within 2 minutes of the kill");
                double took = (System.nanoTime() - killed) / 1e9;
                seconds.add(took);
                Map<String, Object> record = new LinkedHashMap<>();
                record.put("seconds", took);
                record.put("step_at_kill", stepAtKill);
                record.put("resumed_step", resumedStep(next.logText()));
                record.put("phases_s", phases(next.logText(), killedAt));
                rounds.add(record);
                progress.accept(String.format(java.util.Locale.ROOT, "round %d/%d: the standby trained %.1f s after"
                        + " the kill (phases %s)", round, kills, took, record.get("phases_s")));
                standby = cluster.restart(learner);
                current = next;
            }
        }
        List<Double> sorted = seconds.stream().sorted().toList();
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("benchmark", "failover");
        result.put("kills", kills);
        result.put("median_s", median(sorted));
        result.put("worst_s", sorted.get(sorted.size() - 1));
        result.put("seconds", seconds);
        result.put("rounds", rounds);
        result.put("stable_after_s", settings.getDuration("sppo4j.cluster.stable-after").toMillis() / 1e3);
        result.put("acceptable_heartbeat_pause_s",
                settings.getDuration("sppo4j.cluster.failure-detector.acceptable-heartbeat-pause").toMillis() / 1e3);
        result.put("removal_margin_s", settings.getDuration("sppo4j.cluster.learner-handover.removal-margin").toMillis() / 1e3);
        result.put("lease", settings.getBoolean("sppo4j.cluster.learner-handover.lease.enabled"));
        result.put("checkpoint_every", checkpointEvery);
        return result;
    }

    static double median(List<Double> sorted) {
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    /** Seconds from the kill to the first log line of each phase, on the standby. */
    static Map<String, Double> phases(String log, LocalTime killedAt) {
        Map<String, Double> seconds = new LinkedHashMap<>();
        for (Map.Entry<String, Pattern> phase : PHASES.entrySet()) {
            Matcher matcher = phase.getValue().matcher(log);
            while (matcher.find()) {
                double after = Duration.between(killedAt, LocalTime.parse(matcher.group(1))).toMillis() / 1e3;
                if (after >= 0) {
                    seconds.put(phase.getKey(), after);
                    break;
                }
            }
        }
        return seconds;
    }

    private static Map<String, Pattern> phases() {
        Map<String, Pattern> phases = new LinkedHashMap<>();
        String time = "(?m)^(\\d\\d:\\d\\d:\\d\\d\\.\\d{3}) .*";
        phases.put("unreachable", Pattern.compile(time + "Marking node.* as UNREACHABLE"));
        phases.put("downed", Pattern.compile(time + "SBR took decision"));
        phases.put("oldest", Pattern.compile(time + "ClusterSingletonManager state change \\[\\w+ -> (?:Oldest|AcquiringLease)\\]"));
        phases.put("lease", Pattern.compile(time + "holds the checkpoint directory"));
        phases.put("resumed", Pattern.compile(time + "resumed from checkpoint at step"));
        return phases;
    }

    private static long resumedStep(String log) {
        Matcher matcher = Pattern.compile("resumed from checkpoint at step (\\d+)").matcher(log);
        long step = -1;
        while (matcher.find()) {
            step = Long.parseLong(matcher.group(1));
        }
        return step;
    }

}
