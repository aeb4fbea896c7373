package io.sppo4j.cluster.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sppo4j.cluster.cli.SppoCli;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The production formation path, for real: node JVMs started as a Kubernetes pod starts them
 * ({@code discovery-method = kubernetes-api}, the API server's address in the environment, a
 * service-account token and CA on disk, the TLS Secret's files, no seed anywhere) find each other through a loopback
 * server answering the Kubernetes pods API, and form one cluster by cluster bootstrap alone. A
 * fourth pod joins later; a pod that is killed and leaves the list is downed by the Split Brain
 * Resolver, which (with {@code downing = lease-majority}, the production overlay's choice) first
 * takes a Lease through the same API; a pod stopped with SIGTERM leaves gracefully. The active learner marks its own pod
 * with a deletion cost through the same API. Readiness and liveness are the
 * management endpoint's {@code /ready} and {@code /alive}.
 */
class KubernetesDiscoveryTest {

    private static final String NAMESPACE = "sppo4j-test";
    private static final String SELECTOR = "app.kubernetes.io/name=sppo4j";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @TempDir
    Path dir;

    private final List<ChildNode> nodes = new ArrayList<>();
    private FakeKubernetesApi api;

    @AfterEach
    void stopEverything() throws Exception {
        for (ChildNode node : nodes) {
            node.close();
        }
        if (api != null) {
            api.close();
        }
    }

    @Test
    void podsFormAClusterByBootstrapAndTheResolverDownsAVanishedPod() throws Exception {
        api = new FakeKubernetesApi(dir, NAMESPACE, SELECTOR);
        // One Secret for every pod, as in k8s/: remoting and weight transfers over mutual TLS.
        assertEquals(0, SppoCli.execute("certs", "--out", dir.resolve("certs").toString(), "--nodes", "sppo4j"));
        Path config = writeConfig();
        Pod learner = start("learner-0", "learner", config);
        Pod judge = start("judge-0", "judge", config);
        Pod rollout = start("rollout-0", "rollout", config);

        await("three pods form one cluster by bootstrap", Duration.ofSeconds(90),
                () -> upMembers(learner) == 3 && upMembers(judge) == 3 && upMembers(rollout) == 3);
        for (Pod pod : List.of(learner, judge, rollout)) {
            await(pod.node.name + " is ready and alive", Duration.ofSeconds(60),
                    () -> status(pod, "/ready") == 200 && status(pod, "/alive") == 200);
        }
        await("the cluster trains", Duration.ofSeconds(120), () -> learner.node.metric("sppo_learner_step").orElse(0) >= 5);
        // The active learner marks its pod so that a scale-down takes a standby first.
        await("the active learner's pod is marked", Duration.ofSeconds(60), () -> api.patches().containsKey(learner.name));
        assertEquals("{\"metadata\":{\"annotations\":{\"controller.kubernetes.io/pod-deletion-cost\":\"100\"}}}",
                api.patches().get(learner.name));
        assertEquals(Set.of(learner.name), api.patches().keySet(), "only the learner's pod is marked");

        Pod late = start("rollout-1", "rollout", config);
        await("a fourth pod joins the running cluster", Duration.ofSeconds(60),
                () -> upMembers(learner) == 4 && status(late, "/ready") == 200);

        // A crash: the pod vanishes from the API and its JVM dies without leaving.
        api.remove(rollout.name);
        rollout.node.kill();
        // Only downing removes an unreachable member: seen unreachable, then gone, is the resolver's work.
        await("the failure detector marks the crashed pod unreachable", Duration.ofSeconds(60),
                () -> unreachable(learner) == 1);
        await("the Split Brain Resolver downs the vanished pod", Duration.ofSeconds(90),
                () -> upMembers(learner) == 3 && unreachable(learner) == 0);
        // lease-majority: the surviving side decided only once it held the Lease in the API server.
        List<String> holders = api.leaseHolders().getOrDefault("sppo4j-test-sbr", List.of());
        assertTrue(holders.stream().anyMatch(holder -> holder.startsWith("sppo4j@127.0.0.1:")
                        && !holder.endsWith(":" + rollout.node.port)),
                "a surviving node took the resolver's Lease before downing: " + api.leaseHolders());

        // A scale-down: SIGTERM runs coordinated shutdown, and the node leaves the cluster itself.
        api.remove(late.name);
        assertEquals(143, late.node.terminate(), "SIGTERM ends the JVM through its shutdown hook");
        await("the terminated pod left", Duration.ofSeconds(60), () -> upMembers(learner) == 2);
        String leaveLog = late.node.logText();
        assertTrue(leaveLog.contains("Exiting completed"), "the stopped pod left the cluster gracefully:\n"
                + leaveLog.substring(Math.max(0, leaveLog.length() - 6000)));
        assertTrue(api.refused().isEmpty(), "every API request had the token, namespace and selector: " + api.refused());
    }

    /** A node JVM and its pod in the fake API. */
    private record Pod(String name, ChildNode node, int managementPort) {}

    private Pod start(String name, String roles, Path config) throws Exception {
        int remoting = ChildNode.freePort();
        int management = ChildNode.freePort();
        api.add(new FakeKubernetesApi.Pod(name, "127.0.0.1", management, remoting));
        Map<String, String> environment = new HashMap<>(api.podEnvironment());
        environment.put("POD_NAME", name);
        ChildNode node = ChildNode.start(dir, name, roles, remoting, config,
                List.of("--set", "sppo4j.cluster.management.port=" + management), environment);
        nodes.add(node);
        return new Pod(name, node, management);
    }

    private static double upMembers(Pod pod) {
        return pod.node.metrics().getOrDefault("sppo_cluster_members{status=\"up\"}", -1.0);
    }

    private static double unreachable(Pod pod) {
        return pod.node.metric("sppo_cluster_unreachable_members").orElse(-1);
    }

    private static int status(Pod pod, String path) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + pod.managementPort + path))
                    .timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (java.io.IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private void await(String what, Duration timeout, BooleanSupplier condition) throws Exception {
        ChildNode.await(nodes, what, timeout, condition);
    }

    private Path writeConfig() throws Exception {
        return ChildNode.writeTinySortProfile(dir.resolve("kubernetes-test.conf"), dir.resolve("checkpoints"), 100000, """
                host = "127.0.0.1"
                stable-after = 5s
                downing = lease-majority
                lease-majority.lease-name = "sppo4j-test-sbr"
                discovery-method = kubernetes-api
                tls { enabled = true, directory = "%s" }
                kubernetes {
                  namespace = "%s"
                  pod-label-selector = "%s"
                  required-contact-points = 3
                  deletion-cost.enabled = true
                  api-ca-path = "%s"
                  api-token-path = "%s"
                }
                """.formatted(path(dir.resolve("certs/sppo4j")), NAMESPACE, SELECTOR, path(api.caFile), path(api.tokenFile)));
    }

    private static String path(Path path) {
        return path.toString().replace("\\", "/");
    }
}
