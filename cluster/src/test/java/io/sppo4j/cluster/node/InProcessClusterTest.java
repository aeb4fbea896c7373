package io.sppo4j.cluster.node;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.sppo4j.actors.Pipeline;
import io.sppo4j.actors.WeightCache;
import io.sppo4j.cluster.serialization.ControlPlaneRegistry;
import io.sppo4j.cluster.setup.TaskSetup;
import io.sppo4j.model.config.Settings;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorSystem;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three ActorSystems in one JVM form a cluster over loopback and train sort together: groups,
 * judgements, credits and weight chunks all cross the real remoting with the real serializers.
 */
class InProcessClusterTest {

    @TempDir
    Path dir;

    private final List<ActorSystem<Void>> systems = new ArrayList<>();

    @AfterEach
    void terminate() throws Exception {
        for (ActorSystem<Void> system : systems) {
            system.terminate();
        }
        for (ActorSystem<Void> system : systems) {
            system.getWhenTerminated().toCompletableFuture().get();
        }
    }

    @Test
    void threeNodesTrainSortTogether() throws Exception {
        Config settings = Settings.load(List.of(), List.of(
                "sppo4j.tasks.sort.min-digits=3", "sppo4j.tasks.sort.max-digits=5",
                "sppo4j.policy.width=32", "sppo4j.policy.layers=1", "sppo4j.policy.heads=2",
                "sppo4j.policy.context-length=48", "sppo4j.sampling.max-new-tokens=10",
                "sppo4j.learner.device=cpu", "sppo4j.rollout.device=cpu", "sppo4j.learner.max-steps=100000",
                "sppo4j.learner.checkpoint-every=1000", "sppo4j.learner.groups-per-step=2",
                "sppo4j.rollout.group-size=3", "sppo4j.rollout.groups-per-batch=2", "sppo4j.rollout.prefetch=4",
                "sppo4j.eval.every=100000", "sppo4j.eval.prompts=8", "sppo4j.eval.batch-size=8"));
        int seedPort = ChildNode.freePort();
        PrometheusRegistry learnerMetrics = new PrometheusRegistry();
        PrometheusRegistry rolloutMetrics = new PrometheusRegistry();
        ActorSystem<Void> learner = node(settings, Set.of(NodeGuardian.LEARNER), seedPort, seedPort, learnerMetrics);
        node(settings, Set.of(NodeGuardian.JUDGE, NodeGuardian.ROLLOUT), ChildNode.freePort(), seedPort, rolloutMetrics);
        node(settings, Set.of(NodeGuardian.ROLLOUT), ChildNode.freePort(), seedPort, new PrometheusRegistry());
        ClusterChecks.await("three members are up", Duration.ofSeconds(60), () -> ClusterChecks.up(learner) == 3);
        ClusterChecks.await("the learner trains", Duration.ofSeconds(120),
                () -> gauge(learnerMetrics, "sppo_learner_step") >= 40);
        // The remote rollout node received weights over the wire and samples with recent ones.
        ClusterChecks.await("remote rollouts sample with recent weights", Duration.ofSeconds(30),
                () -> gauge(rolloutMetrics, "sppo_rollout_policy_version") >= 20);
        assertTrue(gauge(learnerMetrics, "sppo_policy_version") >= 40);
    }

    private ActorSystem<Void> node(Config settings, Set<String> roles, int port, int seedPort, PrometheusRegistry registry)
            throws Exception {
        TaskSetup task = TaskSetup.from(settings);
        Pipeline.Setup pipeline = task.pipeline(task.initialWeights(), null, registry);
        Config config = NodeConfig.of(settings, roles, port, List.of("127.0.0.1:" + seedPort),
                ControlPlaneRegistry.registrationFingerprint());
        ActorSystem<Void> system = ActorSystem.create(
                NodeGuardian.create(new NodeGuardian.Setup(pipeline, roles, "node-" + port,
                        NodeWeights.settings(settings).withGroup(dir.toString()), null)),
                NodeConfig.SYSTEM_NAME, config);
        systems.add(system);
        return system;
    }

    private static double gauge(PrometheusRegistry registry, String name) {
        for (MetricSnapshot snapshot : registry.scrape()) {
            if (snapshot.getMetadata().getPrometheusName().equals(name) && snapshot instanceof GaugeSnapshot gauge) {
                return gauge.getDataPoints().stream().mapToDouble(GaugeSnapshot.GaugeDataPointSnapshot::getValue)
                        .max().orElse(0);
            }
        }
        return 0;
    }
}
