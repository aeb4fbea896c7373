package io.sppo4j.cluster.bench;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * What a benchmark sees of a cluster of node processes, polled from their metrics: the weight
 * version each rollout process holds (which must never go down), which learner process trains,
 * and counters summed over every process that ever ran (a process's last polled values stay
 * counted after it dies, so poll a node right before killing it).
 */
public final class ClusterObserver {

    /** The counters kept per process and summed: judged groups sent, groups that reached a learner, credits granted. */
    public static final List<String> COUNTERS = List.of("sppo_judge_groups_total", "sppo_learner_staleness_versions_count",
            "sppo_learner_credits_issued_total", "sppo_learner_reclaimed_credits_total", "sppo_learner_dropped_stale_groups_total");

    private final Map<NodeProcess, Double> versions = new IdentityHashMap<>();
    private final Map<NodeProcess, double[]> counters = new IdentityHashMap<>();
    private final List<String> regressions = new ArrayList<>();
    private NodeProcess activeLearner;
    private double highestStep;
    private int learnerChanges;

    /** Polls every process in {@code nodes} once. */
    public synchronized void poll(List<NodeProcess> nodes) {
        for (NodeProcess node : nodes) {
            poll(node);
        }
    }

    /** Polls one process (do so right before killing it). */
    public synchronized void poll(NodeProcess node) {
        Map<String, Double> samples = node.metrics();
        if (samples.isEmpty()) {
            return;
        }
        OptionalDouble version = NodeProcess.largest(samples, "sppo_rollout_policy_version");
        if (version.isPresent() && version.getAsDouble() >= 0) {
            Double before = versions.put(node, Math.max(version.getAsDouble(), versions.getOrDefault(node, -1.0)));
            if (before != null && version.getAsDouble() < before) {
                regressions.add(node.name() + " (pid " + node.pid() + "): v" + before.longValue() + " then v"
                        + (long) version.getAsDouble());
            }
        }
        double[] values = COUNTERS.stream().mapToDouble(name -> NodeProcess.sum(samples, name)).toArray();
        counters.merge(node, values, (old, now) -> {
            for (int i = 0; i < now.length; i++) {
                now[i] = Math.max(old[i], now[i]);
            }
            return now;
        });
        if (NodeProcess.largest(samples, "sppo_learner_steps_total").orElse(0) > 0) {
            highestStep = Math.max(highestStep, NodeProcess.largest(samples, "sppo_learner_step").orElse(0));
            if (activeLearner != node) {
                if (activeLearner != null) {
                    learnerChanges++;
                }
                activeLearner = node;
            }
        }
    }

    /** Weight versions that went down on a rollout process, one line each. */
    public synchronized List<String> regressions() {
        return List.copyOf(regressions);
    }

    /** The highest learner step seen (steps of earlier learners included). */
    public synchronized double highestStep() {
        return highestStep;
    }

    /** How many times training moved to another learner process. */
    public synchronized int learnerChanges() {
        return learnerChanges;
    }

    /** Counter {@code name} (one of {@link #COUNTERS}) summed over every process polled. */
    public synchronized double total(String name) {
        int index = COUNTERS.indexOf(name);
        return counters.values().stream().mapToDouble(values -> values[index]).sum();
    }
}
