package io.sppo4j.cluster.node;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

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
        ClusterChecks.terminateAll(systems);
    }

    @Test
    void threeNodesTrainSortTogether() throws Exception {
        Config settings = ClusterChecks.tinySortSettings();
        int seedPort = ChildNode.freePort();
        PrometheusRegistry learnerMetrics = new PrometheusRegistry();
        PrometheusRegistry rolloutMetrics = new PrometheusRegistry();
        ActorSystem<Void> learner = node(settings, Set.of(NodeGuardian.LEARNER), seedPort, seedPort, learnerMetrics);
        node(settings, Set.of(NodeGuardian.JUDGE, NodeGuardian.ROLLOUT), ChildNode.freePort(), seedPort, rolloutMetrics);
        node(settings, Set.of(NodeGuardian.ROLLOUT), ChildNode.freePort(), seedPort, new PrometheusRegistry());
        ClusterChecks.await("three members are up", Duration.ofSeconds(60), () -> ClusterChecks.up(learner) == 3);
        ClusterChecks.await("the learner trains", Duration.ofSeconds(120),
                () -> ClusterChecks.gauge(learnerMetrics, "sppo_learner_step") >= 40);
        // The remote rollout node received weights over the wire and samples with recent ones.
        ClusterChecks.await("remote rollouts sample with recent weights", Duration.ofSeconds(30),
                () -> ClusterChecks.gauge(rolloutMetrics, "sppo_rollout_policy_version") >= 20);
        // A version every publish-every steps.
        assertTrue(ClusterChecks.gauge(learnerMetrics, "sppo_policy_version")
                >= 40 / settings.getInt("sppo4j.learner.publish-every"));
    }

    private ActorSystem<Void> node(Config settings, Set<String> roles, int port, int seedPort, PrometheusRegistry registry)
            throws Exception {
        ActorSystem<Void> system = ClusterChecks.startNode(settings, roles, port, seedPort, registry, dir.toString());
        systems.add(system);
        return system;
    }
}
