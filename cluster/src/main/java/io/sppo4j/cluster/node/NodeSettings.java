package io.sppo4j.cluster.node;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.sppo4j.cluster.tls.TlsFiles;
import io.sppo4j.model.hf.BaseChecksum;
import io.sppo4j.model.hf.LoraSetup;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Pekko's cluster settings for a node, derived from {@code sppo4j.cluster} and the command line:
 * remoting bound to the configured interface (over mutual TLS when configured), seed nodes or
 * Kubernetes discovery, roles, the Split Brain Resolver and the join check that refuses nodes
 * speaking another protocol.
 */
public final class NodeSettings {

    /** Every node of a cluster runs an ActorSystem of this name. */
    public static final String SYSTEM_NAME = "sppo4j";

    private NodeSettings() {}

    /**
     * @param settings the effective sppo4j configuration (with Pekko's reference)
     * @param roles this node's roles
     * @param port overrides sppo4j.cluster.port when not null
     * @param seeds host:port seed nodes added to sppo4j.cluster.seeds
     * @param registration fingerprint of this node's control-plane registration
     */
    public static Config of(Config settings, Set<String> roles, Integer port, List<String> seeds, String registration) {
        String host = settings.getString("sppo4j.cluster.host");
        int boundPort = port != null ? port : settings.getInt("sppo4j.cluster.port");
        List<String> seedAddresses = new ArrayList<>();
        List<String> allSeeds = new ArrayList<>(settings.getStringList("sppo4j.cluster.seeds"));
        allSeeds.addAll(seeds);
        for (String seed : allSeeds) {
            seedAddresses.add(address(seed));
        }
        Map<String, Object> pekko = new LinkedHashMap<>();
        pekko.put("pekko.actor.provider", "cluster");
        pekko.put("pekko.remote.artery.transport", tls(settings, pekko) ? "tls-tcp" : "tcp");
        pekko.put("pekko.remote.artery.canonical.hostname", host);
        pekko.put("pekko.remote.artery.canonical.port", boundPort);
        pekko.put("pekko.cluster.roles", new ArrayList<>(roles));
        pekko.put("pekko.cluster.seed-nodes", seedAddresses);
        NodeDiscovery.configure(settings, seedAddresses, pekko);
        pekko.put("pekko.cluster.downing-provider-class", "org.apache.pekko.cluster.sbr.SplitBrainResolverProvider");
        pekko.put("pekko.cluster.split-brain-resolver.active-strategy", settings.getString("sppo4j.cluster.downing"));
        LearnerHandover.configure(settings, pekko);
        KubernetesLeaseDowning.configure(settings, pekko);
        pekko.put("pekko.cluster.configuration-compatibility-check.checkers.sppo4j", ProtocolCompatibility.class.getName());
        pekko.put(ProtocolCompatibility.REGISTRATION_KEY, registration);
        pekko.put(ProtocolCompatibility.LORA_BASE_KEY, loraBase(settings));
        // pekko-discovery comes in another 1.x release than the other Pekko modules (see the parent
        // pom and this module's reference.conf); stated here too since this layer wins over all.
        pekko.put("pekko.fail-mixed-versions", "off");
        // Graceful leave on SIGTERM (Pekko's defaults, stated because Kubernetes scale-down relies on
        // them): the JVM's shutdown hook runs coordinated shutdown, the node leaves the cluster and a
        // rollout worker's credits go back to the learner before the process exits.
        pekko.put("pekko.coordinated-shutdown.run-by-jvm-shutdown-hook", "on");
        pekko.put("pekko.cluster.run-coordinated-shutdown-when-down", "on");
        // Benchmarks and tests run several nodes in one JVM.
        pekko.put("pekko.cluster.jmx.multi-mbeans-in-same-jvm", "on");
        pekko.put("pekko.loggers", List.of("org.apache.pekko.event.slf4j.Slf4jLogger"));
        pekko.put("pekko.logging-filter", "org.apache.pekko.event.slf4j.Slf4jLoggingFilter");
        // Layered over everything: in sppo.jar the modules' reference.conf files are concatenated,
        // and Pekko's own defaults could otherwise override keys set there.
        Config wire = ConfigFactory.parseResources(NodeSettings.class.getClassLoader(), "sppo4j-serialization.conf");
        return ConfigFactory.parseMap(pekko, "sppo node").withFallback(wire).withFallback(settings).resolve();
    }

    /**
     * Mutual TLS between nodes when {@code sppo4j.cluster.tls.enabled}, from PEM files through
     * Pekko's {@code RotatingKeysSSLEngineProvider}: it re-reads them as they rotate, requires
     * client certificates, and accepts a peer only if the CA signed it and it shares a subject
     * name with this node's certificate.
     */
    private static boolean tls(Config settings, Map<String, Object> pekko) {
        if (!settings.getBoolean("sppo4j.cluster.tls.enabled")) {
            return false;
        }
        TlsFiles files = TlsFiles.from(settings);
        String engine = "pekko.remote.artery.ssl.rotating-keys-engine.";
        pekko.put("pekko.remote.artery.ssl.ssl-engine-provider",
                "org.apache.pekko.remote.artery.tcp.ssl.RotatingKeysSSLEngineProvider");
        pekko.put(engine + "key-file", files.key().toAbsolutePath().toString());
        pekko.put(engine + "cert-file", files.certificate().toAbsolutePath().toString());
        pekko.put(engine + "ca-cert-file", files.authority().toAbsolutePath().toString());
        pekko.put(engine + "protocol", NodeTls.PROTOCOL);
        pekko.put(engine + "ssl-context-cache-ttl", settings.getDuration("sppo4j.cluster.tls.reload-after").toMillis() + "ms");
        return true;
    }

    /** {@code host:port} as the address of the node of that name. */
    static String address(String seed) {
        int colon = seed.lastIndexOf(':');
        if (colon <= 0 || colon == seed.length() - 1) {
            throw new IllegalArgumentException("--seed expects HOST:PORT, got '" + seed + "'");
        }
        try {
            Integer.parseInt(seed.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--seed expects HOST:PORT, got '" + seed + "'", e);
        }
        return "pekko://" + SYSTEM_NAME + "@" + seed;
    }

    /** The checksum of the base a LoRA run adapts, which every node must share; {@code none} for full fine-tuning. */
    static String loraBase(Config settings) {
        String policy = settings.getString("sppo4j.policy.path");
        LoraSetup lora = policy.isBlank() ? LoraSetup.NONE : LoraSetup.from(settings);
        if (!lora.enabled()) {
            return "none";
        }
        try {
            return lora.config().rank() + "@" + BaseChecksum.of(Path.of(policy));
        } catch (IOException e) {
            throw new UncheckedIOException("sppo4j.policy.path: cannot read the LoRA base " + policy + ": " + e.getMessage(), e);
        }
    }
}
