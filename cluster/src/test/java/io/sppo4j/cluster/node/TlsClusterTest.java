package io.sppo4j.cluster.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sppo4j.cluster.cli.SppoCli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Node JVMs on 127.0.0.1 with TLS on, each with its own certificate directory from
 * {@code sppo certs}: a learner and a rollout+judge node whose certificates the cluster's CA
 * signed form a cluster and train, the weights crossing the TLS transfer connection to the other
 * JVM; then a node whose certificate carries the same cluster name but another CA's signature,
 * and a node speaking plain TCP, try to join. Neither ever becomes a member, each fails at the
 * handshake, and the cluster trains on with no member unreachable or downed.
 */
class TlsClusterTest {

    private static final String UP = "sppo_cluster_members{status=\"up\"}";
    /** What a node logs when the peer's certificate is not signed by the CA it trusts. */
    private static final String CERTIFICATE_REFUSED = "javax.net.ssl.SSLHandshakeException: PKIX path validation failed:"
            + " java.security.cert.CertPathValidatorException: signature check failed";
    private static final Pattern JOIN_FAILED = Pattern.compile("Couldn't join seed nodes after \\[\\d+\\] attempts");

    @TempDir
    Path dir;

    private final List<ChildNode> nodes = new ArrayList<>();

    @AfterEach
    void killEverything() throws Exception {
        for (ChildNode node : nodes) {
            node.kill(); // nothing to save: SIGKILL ends each JVM at once
        }
    }

    @Test
    void nodesOfOneCaTrainOverMutualTlsAndStrangersAreRefused() throws Exception {
        Path cluster = dir.resolve("cluster-ca");
        Path stranger = dir.resolve("other-ca");
        assertEquals(0, SppoCli.execute("certs", "--out", cluster.toString(), "--nodes", "learner,worker", "--days", "2"));
        // Same --cluster-name (the default), so only the CA that signed it tells the intruder apart.
        assertEquals(0, SppoCli.execute("certs", "--out", stranger.toString(), "--nodes", "intruder", "--days", "2"));
        Path config = writeConfig();

        int seedPort = ChildNode.freePort();
        ChildNode learner = start("learner", "learner", seedPort, config, seedPort, tls(cluster.resolve("learner")));
        ChildNode worker = start("worker", "judge,rollout", ChildNode.freePort(), config, seedPort,
                tls(cluster.resolve("worker")));
        await("the two TLS nodes are up", Duration.ofSeconds(60),
                () -> up(learner) == 2 && up(worker) == 2);
        await("the TLS cluster trains", Duration.ofSeconds(90), () -> step(learner) >= 20);
        // The worker's JVM holds only the weights the learner published and sent it over the TLS
        // transfer connection: a rising version there means rollouts sample with them.
        await("rollouts use weights that crossed the TLS transfer connection", Duration.ofSeconds(60),
                () -> worker.metric("sppo_rollout_policy_version").orElse(0) >= 10
                        && worker.metric("sppo_rollout_sequences_total").orElse(0) > 0);

        ChildNode intruder = start("intruder", "rollout", ChildNode.freePort(), config, seedPort,
                tls(stranger.resolve("intruder")));
        ChildNode plain = start("plain", "rollout", ChildNode.freePort(), config, seedPort,
                "sppo4j.cluster.tls.enabled=false");
        // The intruder trusts only its own CA, so the learner's certificate fails its check and its
        // outbound stream fails at the TLS handshake (the learner, trusting only the cluster's CA,
        // would refuse the intruder's certificate in turn). The plain node's bytes are no TLS record to
        // the learner, so its Artery handshake never completes and its join attempts time out.
        // Membership is checked at every poll from here on, not only at the end.
        await("the intruder's TLS handshake is refused", Duration.ofSeconds(60),
                () -> membersUnchanged(learner, worker) && intruder.logText().contains(CERTIFICATE_REFUSED));
        await("the plain-TCP node's join attempts fail", Duration.ofSeconds(60),
                () -> membersUnchanged(learner, worker) && joinFailures(plain) > 0);
        // Both keep trying (every seed-node timeout) while the cluster trains on.
        double stepAtRefusal = step(learner);
        int intruderAttempts = joinFailures(intruder);
        await("training goes on while strangers keep knocking", Duration.ofSeconds(60),
                () -> membersUnchanged(learner, worker) && step(learner) >= stepAtRefusal + 30
                        && joinFailures(intruder) >= intruderAttempts + 2);
        assertEquals(0.0, up(intruder), "the node of another CA is no member, not even of a cluster of its own");
        assertEquals(0.0, up(plain), "the plain-TCP node is no member, not even of a cluster of its own");
        assertTrue(intruder.alive() && plain.alive(), "the strangers were refused, not crashed");
        for (ChildNode member : List.of(learner, worker)) {
            assertFalse(member.logText().contains("UNREACHABLE"), member.name + " never marked a node unreachable");
        }
    }

    /**
     * Exactly the two CA-signed nodes are members, both up, none unreachable, as each of
     * {@code members} sees it; a node that does not answer this scrape is asked again at the next poll.
     */
    private boolean membersUnchanged(ChildNode... members) {
        for (ChildNode node : members) {
            Map<String, Double> metrics = node.metrics();
            if (metrics.isEmpty()) {
                continue;
            }
            double all = metrics.entrySet().stream().filter(e -> e.getKey().startsWith("sppo_cluster_members{"))
                    .mapToDouble(Map.Entry::getValue).sum();
            if (all != 2 || metrics.getOrDefault(UP, -1.0) != 2
                    || metrics.getOrDefault("sppo_cluster_unreachable_members", -1.0) != 0) {
                throw ChildNode.failure(nodes, "only the two CA-signed nodes may be members, up and reachable; " + node.name
                        + " sees " + metrics.entrySet().stream().filter(e -> e.getKey().startsWith("sppo_cluster_")).toList());
            }
        }
        return true;
    }

    /** How many times the node gave up a round of joining through its seed. */
    private static int joinFailures(ChildNode node) {
        return (int) JOIN_FAILED.matcher(node.logText()).results().count();
    }

    private static String tls(Path files) {
        return "sppo4j.cluster.tls.directory=\"" + files.toString().replace("\\", "/") + "\"";
    }

    private ChildNode start(String name, String roles, int port, Path config, int seedPort, String setting)
            throws Exception {
        ChildNode node = ChildNode.start(dir, name, roles, port, config,
                List.of("--seed", "127.0.0.1:" + seedPort, "--set", setting), Map.of());
        nodes.add(node);
        return node;
    }

    private static double up(ChildNode node) {
        return node.metrics().getOrDefault(UP, -1.0);
    }

    private static double step(ChildNode node) {
        return node.metric("sppo_learner_step").orElse(0);
    }

    private void await(String what, Duration timeout, BooleanSupplier condition) throws Exception {
        ChildNode.await(nodes, what, timeout, condition);
    }

    private Path writeConfig() throws Exception {
        return ChildNode.writeTinySortProfile(dir.resolve("tls-test.conf"), dir.resolve("checkpoints"), 100000,
                "host = \"127.0.0.1\", stable-after = 5s, tls.enabled = true");
    }
}
