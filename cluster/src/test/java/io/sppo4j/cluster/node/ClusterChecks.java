package io.sppo4j.cluster.node;

import com.typesafe.config.Config;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.sppo4j.actors.Pipeline;
import io.sppo4j.cluster.TestTime;
import io.sppo4j.cluster.serialization.ControlPlaneRegistry;
import io.sppo4j.cluster.setup.TaskSetup;
import io.sppo4j.model.checkpoint.CheckpointStore;
import io.sppo4j.model.config.EffectiveConfig;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.stream.StreamSupport;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;

/** Waiting on and reading the state of in-process cluster nodes. */
final class ClusterChecks {

    private ClusterChecks() {}

    /** Members this node sees as Up. */
    static long up(ActorSystem<?> system) {
        return StreamSupport.stream(Cluster.get(system).state().getMembers().spliterator(), false)
                .filter(member -> member.status() == MemberStatus.up())
                .count();
    }

    /**
     * Polls {@code condition} until it holds; fails with {@code what} after {@code timeout} scaled
     * by {@link TestTime} ({@code pekko.test.timefactor}), as every multi-node wait is: the limit
     * only bounds how long a broken build takes to fail.
     */
    /** Terminates every system, then waits for each: what a test's clean-up does with its nodes. */
    static void terminateAll(List<org.apache.pekko.actor.typed.ActorSystem<Void>> systems) throws Exception {
        for (org.apache.pekko.actor.typed.ActorSystem<Void> system : systems) {
            system.terminate();
        }
        for (org.apache.pekko.actor.typed.ActorSystem<Void> system : systems) {
            system.getWhenTerminated().toCompletableFuture().get();
        }
    }

    static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        Duration limit = TestTime.scaled(timeout);
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + limit.toSeconds() + " s waiting until " + what);
            }
            Thread.sleep(200);
        }
    }

    /** Settings of a tiny sort run that trains in seconds on a CPU, with {@code extra} overrides. */
    static Config tinySortSettings(String... extra) {
        List<String> overrides = new ArrayList<>(List.of(
                "sppo4j.tasks.sort.min-digits=3", "sppo4j.tasks.sort.max-digits=5",
                "sppo4j.policy.width=32", "sppo4j.policy.layers=1", "sppo4j.policy.heads=2",
                "sppo4j.policy.context-length=48", "sppo4j.sampling.max-new-tokens=10",
                "sppo4j.learner.device=cpu", "sppo4j.rollout.device=cpu", "sppo4j.learner.max-steps=100000",
                "sppo4j.learner.checkpoint-every=1000", "sppo4j.learner.groups-per-step=2",
                "sppo4j.rollout.group-size=3", "sppo4j.rollout.groups-per-batch=2", "sppo4j.rollout.prefetch=4",
                "sppo4j.eval.every=100000", "sppo4j.eval.prompts=8", "sppo4j.eval.batch-size=8"));
        overrides.addAll(List.of(extra));
        return EffectiveConfig.load(List.of(), overrides);
    }

    /** The largest value of a gauge over its series, or 0 when the registry has none. */
    static double gauge(PrometheusRegistry registry, String name) {
        for (MetricSnapshot snapshot : registry.scrape()) {
            if (snapshot.getMetadata().getPrometheusName().equals(name) && snapshot instanceof GaugeSnapshot gauge) {
                return gauge.getDataPoints().stream().mapToDouble(GaugeSnapshot.GaugeDataPointSnapshot::getValue)
                        .max().orElse(0);
            }
        }
        return 0;
    }

    /** The sum of a counter over its series (its name with or without {@code _total}), or 0 when the registry has none. */
    static double counter(PrometheusRegistry registry, String name) {
        String bare = name.endsWith("_total") ? name.substring(0, name.length() - "_total".length()) : name;
        for (MetricSnapshot snapshot : registry.scrape()) {
            if (snapshot.getMetadata().getPrometheusName().equals(bare) && snapshot instanceof CounterSnapshot counter) {
                return counter.getDataPoints().stream().mapToDouble(CounterSnapshot.CounterDataPointSnapshot::getValue)
                        .sum();
            }
        }
        return 0;
    }

    /**
     * A node of {@code roles} in this JVM that joins through the seed at {@code seedPort} and
     * registers its metrics on {@code registry}; its weight cache is in group {@code group}.
     */
    static ActorSystem<Void> startNode(Config settings, Set<String> roles, int port, int seedPort,
            PrometheusRegistry registry, String group) throws Exception {
        return startNode(settings, roles, port, seedPort, registry, group, null, LearnerHandover.UNLEASED);
    }

    /**
     * A node as above whose learner, when it runs here, keeps its checkpoints in {@code
     * checkpoints} (null: none) and moves between learner-role nodes as {@code handover} says.
     */
    static ActorSystem<Void> startNode(Config settings, Set<String> roles, int port, int seedPort,
            PrometheusRegistry registry, String group, CheckpointStore checkpoints, LearnerHandover handover)
            throws Exception {
        TaskSetup task = TaskSetup.from(settings);
        Pipeline.Setup pipeline = task.pipeline(task.initialWeights(), checkpoints, registry);
        Config config = NodeSettings.of(settings, roles, port, List.of("127.0.0.1:" + seedPort),
                ControlPlaneRegistry.registrationFingerprint());
        return ActorSystem.create(
                NodeGuardian.create(new NodeGuardian.Setup(pipeline, roles, "node-" + port,
                        NodeWeights.settings(settings).withGroup(group), null, handover)),
                NodeSettings.SYSTEM_NAME, config);
    }
}
