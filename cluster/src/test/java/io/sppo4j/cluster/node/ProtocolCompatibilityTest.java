package io.sppo4j.cluster.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.typesafe.config.Config;
import io.sppo4j.cluster.serialization.ControlPlaneRegistry;
import io.sppo4j.model.config.EffectiveConfig;
import io.sppo4j.model.hf.TinyHfModels;
import io.sppo4j.model.weights.TensorDType;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * A node speaking another protocol version, with another control-plane registration, or training
 * LoRA adapters on another base is refused at join.
 */
class ProtocolCompatibilityTest {

    private final List<ActorSystem<Void>> systems = new ArrayList<>();
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();

    @AfterEach
    void terminate() throws Exception {
        ((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).detachAppender(logs);
        for (ActorSystem<Void> system : systems) {
            system.terminate();
            system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void nodesOfAnotherProtocolAreRefusedAndTheClusterIsUntouched() throws Exception {
        logs.start();
        ((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).addAppender(logs);
        int seed = ChildNode.freePort();
        Config current = EffectiveConfig.load(List.of(), List.of());
        ActorSystem<Void> first = node(current, seed, seed, ControlPlaneRegistry.registrationFingerprint());
        ActorSystem<Void> second = node(current, ChildNode.freePort(), seed, ControlPlaneRegistry.registrationFingerprint());
        ClusterChecks.await("two compatible nodes are up", Duration.ofSeconds(30), () -> ClusterChecks.up(first) == 2);

        ActorSystem<Void> newerProtocol = node(EffectiveConfig.load(List.of(), List.of("sppo4j.protocol.version=2")),
                ChildNode.freePort(), seed, ControlPlaneRegistry.registrationFingerprint());
        ActorSystem<Void> otherRegistration = node(current, ChildNode.freePort(), seed, "another-registration");
        ClusterChecks.await("both incompatible nodes are refused", Duration.ofSeconds(30), () -> refusals() >= 2);
        assertEquals(2, ClusterChecks.up(first), "the cluster still has its two members");
        assertEquals(2, ClusterChecks.up(second));
        // A refused node shuts itself down rather than linger half-joined.
        newerProtocol.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        otherRegistration.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        String refusal = messages().stream()
                .filter(message -> message.contains("sppo4j.protocol")).findFirst().orElse("");
        assertTrue(refusal.contains("sppo4j.protocol.version") || refusal.contains("sppo4j.protocol.control-registration"),
                "the log names the incompatible setting: " + refusal);
    }

    /** Adapters trained on one base mean nothing on another: a node with LoRA on other base files is refused by name. */
    @Test
    void aNodeWithAnotherLoraBaseIsRefusedNamingIt(@TempDir Path dir) throws Exception {
        logs.start();
        ((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).addAppender(logs);
        Path base = TinyHfModels.write(dir.resolve("base"), TinyHfModels.Kind.LLAMA, TensorDType.F32, 1, 3).directory();
        Path other = TinyHfModels.write(dir.resolve("other"), TinyHfModels.Kind.LLAMA, TensorDType.F32, 1, 4).directory();
        int seed = ChildNode.freePort();
        Config onBase = EffectiveConfig.load(List.of(), List.of("sppo4j.policy.path=" + base, "sppo4j.lora.rank=8"));
        ActorSystem<Void> first = node(onBase, seed, seed, ControlPlaneRegistry.registrationFingerprint());
        ActorSystem<Void> second = node(onBase, ChildNode.freePort(), seed, ControlPlaneRegistry.registrationFingerprint());
        // Both views: the second node learns it is Up a gossip round after the first does.
        ClusterChecks.await("two nodes on the same base are up", Duration.ofSeconds(30),
                () -> ClusterChecks.up(first) == 2 && ClusterChecks.up(second) == 2);

        ActorSystem<Void> otherBase = node(EffectiveConfig.load(List.of(), List.of("sppo4j.policy.path=" + other,
                "sppo4j.lora.rank=8")), ChildNode.freePort(), seed, ControlPlaneRegistry.registrationFingerprint());
        otherBase.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        assertEquals(2, ClusterChecks.up(first), "the cluster still has its two members");
        assertEquals(2, ClusterChecks.up(second));
        String refusal = messages().stream()
                .filter(message -> message.contains(ProtocolCompatibility.LORA_BASE_KEY)).findFirst().orElse("");
        assertTrue(refusal.contains("differs from the cluster's") && refusal.contains("crc32c:"),
                "the log names the LoRA base and both checksums: " + refusal);
    }

    private long refusals() {
        return messages().stream()
                .filter(message -> message.contains("sppo4j.protocol") && message.contains("incompatible"))
                .count();
    }

    /**
     * The messages logged so far. Cluster threads keep appending while the test reads, and the appender's
     * list is a plain ArrayList: copy it under the appender's own lock (AppenderBase.doAppend is synchronized
     * on the appender), or a stream over it fails with ConcurrentModificationException.
     */
    private List<String> messages() {
        synchronized (logs) {
            return logs.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        }
    }

    private ActorSystem<Void> node(Config settings, int port, int seedPort, String registration) {
        Config config = NodeSettings.of(settings, Set.of(NodeGuardian.JUDGE), port, List.of("127.0.0.1:" + seedPort),
                registration);
        ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), NodeSettings.SYSTEM_NAME, config);
        systems.add(system);
        return system;
    }
}
