package io.sppo4j.cluster.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.Config;
import io.sppo4j.cluster.serialization.ControlPlaneRegistry;
import io.sppo4j.actors.WeightCache;
import io.sppo4j.model.config.Settings;
import io.sppo4j.model.weights.NamedTensor;
import io.sppo4j.model.weights.TensorDType;
import io.sppo4j.model.weights.TensorEncoding;
import io.sppo4j.model.weights.WeightSnapshot;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With TLS on, nodes holding trusted keys form a cluster and exchange weights over TLS too, and a
 * node speaking plain TCP cannot join.
 */
class TlsClusterTest {

    private static final String PASSWORD = "sppo4j-test";

    @TempDir
    Path dir;

    private final List<ActorSystem<Void>> systems = new ArrayList<>();

    @AfterEach
    void terminate() throws Exception {
        for (ActorSystem<Void> system : systems) {
            system.terminate();
            system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void trustedNodesFormAClusterOverMutualTls() throws Exception {
        Path keyStore = dir.resolve("node.p12");
        Path trustStore = dir.resolve("trust.p12");
        keytool("-genkeypair", "-alias", "node", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=sppo4j-node",
                "-validity", "2", "-storetype", "PKCS12", "-keystore", keyStore.toString(), "-storepass", PASSWORD,
                "-keypass", PASSWORD);
        Path certificate = dir.resolve("node.crt");
        keytool("-exportcert", "-alias", "node", "-keystore", keyStore.toString(), "-storepass", PASSWORD,
                "-file", certificate.toString());
        keytool("-importcert", "-noprompt", "-alias", "node", "-file", certificate.toString(), "-storetype", "PKCS12",
                "-keystore", trustStore.toString(), "-storepass", PASSWORD);
        Config tls = Settings.load(List.of(), List.of(
                "sppo4j.cluster.tls.enabled=true",
                "sppo4j.cluster.tls.key-store=\"" + keyStore + "\"",
                "sppo4j.cluster.tls.key-store-password=" + PASSWORD,
                "sppo4j.cluster.tls.key-password=" + PASSWORD,
                "sppo4j.cluster.tls.trust-store=\"" + trustStore + "\"",
                "sppo4j.cluster.tls.trust-store-password=" + PASSWORD));
        int seed = ChildNode.freePort();
        CompletableFuture<WeightCache.Update> received = new CompletableFuture<>();
        ActorRef<WeightCache.Command>[] source = new ActorRef[1];
        ActorSystem<Void> first = node(tls, seed, seed, cache -> source[0] = cache, null);
        ActorSystem<Void> second = node(tls, ChildNode.freePort(), seed, cache -> { }, received);
        ClusterChecks.await("two TLS nodes are up", Duration.ofSeconds(30),
                () -> ClusterChecks.up(first) == 2 && ClusterChecks.up(second) == 2);
        // Weights cross between the nodes over the transfer connection, under the same TLS.
        WeightSnapshot snapshot = weights();
        ClusterChecks.await("the caches see each other", Duration.ofSeconds(30), () -> {
            source[0].tell(new WeightCache.Publish(snapshot, 1, false));
            return received.isDone();
        });
        assertEquals(snapshot, received.get(30, TimeUnit.SECONDS).snapshot());
        ActorSystem<Void> plain = node(Settings.load(List.of(), List.of()), ChildNode.freePort(), seed, cache -> { }, null);
        Thread.sleep(5_000); // a plain-TCP node gets no TLS handshake: it must still be outside after a while
        assertEquals(2, ClusterChecks.up(first), "the plain node is not a member");
        assertEquals(0, ClusterChecks.up(plain), "the plain node never came up");
    }

    /** A node with a weight cache; {@code received} completes with the first version it gets. */
    private ActorSystem<Void> node(Config settings, int port, int seedPort,
            java.util.function.Consumer<ActorRef<WeightCache.Command>> cacheSpawned,
            CompletableFuture<WeightCache.Update> received) {
        Config config = NodeConfig.of(settings, Set.of(NodeGuardian.ROLLOUT), port, List.of("127.0.0.1:" + seedPort),
                ControlPlaneRegistry.registrationFingerprint());
        WeightCache.Settings weights = NodeWeights.settings(settings).withGroup("tls-test");
        ActorSystem<Void> system = ActorSystem.create(Behaviors.<Void>setup(context -> {
            ActorRef<WeightCache.Command> cache = context.spawn(WeightCache.create(weights), "weight-cache");
            cacheSpawned.accept(cache);
            if (received != null) {
                cache.tell(new WeightCache.Subscribe(context.spawn(Behaviors.receive(WeightCache.Update.class)
                        .onMessage(WeightCache.Update.class, update -> {
                            received.complete(update);
                            return Behaviors.same();
                        }).build(), "received")));
            }
            return Behaviors.empty();
        }), NodeConfig.SYSTEM_NAME, config);
        systems.add(system);
        return system;
    }

    private static WeightSnapshot weights() {
        byte[] data = new byte[3 << 20];
        new java.util.Random(5).nextBytes(data);
        return WeightSnapshot.of(1, TensorEncoding.FP32,
                List.of(new NamedTensor("w", TensorDType.F32, new long[] {data.length / 4}, data)));
    }

    private static void keytool(String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (process.waitFor() != 0) {
            throw new IllegalStateException("keytool failed: " + output);
        }
    }
}
