package io.sppo4j.cluster.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.Config;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.sppo4j.cluster.cli.SppoCli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With TLS on, nodes holding certificates from the cluster's CA ({@code sppo certs}, PEM files in
 * cert-manager's layout) form a cluster and train, weights crossing over the TLS transfer
 * connection; a node whose certificate another CA signed, and a node speaking plain TCP, are
 * refused while the cluster trains on undisturbed.
 */
class TlsClusterTest {

    @TempDir
    Path dir;

    private final List<ActorSystem<Void>> systems = new ArrayList<>();

    @AfterEach
    void terminate() throws Exception {
        for (ActorSystem<Void> system : systems) {
            system.terminate();
        }
        for (ActorSystem<Void> system : systems) {
            system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void nodesOfOneCaTrainOverMutualTlsAndStrangersAreRefused() throws Exception {
        Path cluster = dir.resolve("cluster-ca");
        Path stranger = dir.resolve("other-ca");
        assertEquals(0, SppoCli.execute("certs", "--out", cluster.toString(), "--nodes", "learner,worker", "--days", "2"));
        assertEquals(0, SppoCli.execute("certs", "--out", stranger.toString(), "--nodes", "intruder", "--days", "2"));

        int seedPort = ChildNode.freePort();
        PrometheusRegistry learnerMetrics = new PrometheusRegistry();
        PrometheusRegistry workerMetrics = new PrometheusRegistry();
        ActorSystem<Void> learner = node(tls(cluster.resolve("learner")), Set.of(NodeGuardian.LEARNER), seedPort, seedPort,
                learnerMetrics);
        node(tls(cluster.resolve("worker")), Set.of(NodeGuardian.JUDGE, NodeGuardian.ROLLOUT), ChildNode.freePort(), seedPort,
                workerMetrics);
        ClusterChecks.await("two TLS nodes are up", Duration.ofSeconds(60), () -> ClusterChecks.up(learner) == 2);
        ClusterChecks.await("the TLS cluster trains", Duration.ofSeconds(120),
                () -> ClusterChecks.gauge(learnerMetrics, "sppo_learner_step") >= 20);
        // Rollouts on the other node sample with weights that crossed the TLS transfer connection.
        ClusterChecks.await("weights reach the worker over TLS", Duration.ofSeconds(60),
                () -> ClusterChecks.gauge(workerMetrics, "sppo_rollout_policy_version") >= 10);

        // Same cluster name in its certificate, but signed by another CA; and one without TLS at all.
        ActorSystem<Void> intruder = node(tls(stranger.resolve("intruder")), Set.of(NodeGuardian.ROLLOUT),
                ChildNode.freePort(), seedPort, new PrometheusRegistry());
        ActorSystem<Void> plain = node(ClusterChecks.tinySortSettings(), Set.of(NodeGuardian.ROLLOUT), ChildNode.freePort(), seedPort,
                new PrometheusRegistry());
        // While the strangers keep trying to join (every seed-node timeout), training goes on; the
        // members are checked at every poll, not only at the end.
        double stepAtIntrusion = ClusterChecks.gauge(learnerMetrics, "sppo_learner_step");
        ClusterChecks.await("training goes on while strangers knock", Duration.ofSeconds(120), () -> {
            assertEquals(2, ClusterChecks.up(learner), "only the two CA-signed nodes are members");
            return ClusterChecks.gauge(learnerMetrics, "sppo_learner_step") >= stepAtIntrusion + 30;
        });
        assertEquals(0, ClusterChecks.up(intruder), "the node of another CA never became a member");
        assertEquals(0, ClusterChecks.up(plain), "the plain-TCP node never became a member");
    }

    private static Config tls(Path files) {
        return ClusterChecks.tinySortSettings("sppo4j.cluster.tls.enabled=true", "sppo4j.cluster.tls.directory=\"" + files + "\"");
    }

    private ActorSystem<Void> node(Config settings, Set<String> roles, int port, int seedPort, PrometheusRegistry registry)
            throws Exception {
        ActorSystem<Void> system = ClusterChecks.startNode(settings, roles, port, seedPort, registry, dir.toString());
        systems.add(system);
        return system;
    }
}
