package io.sppo4j.cluster.node;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Pekko's cluster settings for a node, derived from {@code sppo4j.cluster} and the command line:
 * remoting bound to the configured interface, seed nodes, roles, the Split Brain Resolver and the
 * join check that refuses nodes speaking another protocol.
 */
public final class NodeConfig {

    /** Every node of a cluster runs an ActorSystem of this name. */
    public static final String SYSTEM_NAME = "sppo4j";

    private NodeConfig() {}

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
        pekko.put("pekko.cluster.downing-provider-class", "org.apache.pekko.cluster.sbr.SplitBrainResolverProvider");
        pekko.put("pekko.cluster.split-brain-resolver.active-strategy", settings.getString("sppo4j.cluster.downing"));
        pekko.put("pekko.cluster.split-brain-resolver.stable-after",
                settings.getDuration("sppo4j.cluster.stable-after").toMillis() + "ms");
        pekko.put("pekko.cluster.configuration-compatibility-check.checkers.sppo4j", ProtocolCompatibility.class.getName());
        pekko.put(ProtocolCompatibility.REGISTRATION_KEY, registration);
        // Benchmarks and tests run several nodes in one JVM.
        pekko.put("pekko.cluster.jmx.multi-mbeans-in-same-jvm", "on");
        pekko.put("pekko.loggers", List.of("org.apache.pekko.event.slf4j.Slf4jLogger"));
        pekko.put("pekko.logging-filter", "org.apache.pekko.event.slf4j.Slf4jLoggingFilter");
        // Layered over everything: in sppo.jar the modules' reference.conf files are concatenated,
        // and Pekko's own defaults could otherwise override keys set there.
        Config wire = ConfigFactory.parseResources(NodeConfig.class.getClassLoader(), "sppo4j-serialization.conf");
        return ConfigFactory.parseMap(pekko, "sppo node").withFallback(wire).withFallback(settings).resolve();
    }

    /**
     * Mutual TLS between nodes when {@code sppo4j.cluster.tls.enabled}: every node presents its
     * key and accepts only peers whose certificates its trust store vouches for.
     */
    private static boolean tls(Config settings, Map<String, Object> pekko) {
        if (!settings.getBoolean("sppo4j.cluster.tls.enabled")) {
            return false;
        }
        String engine = "pekko.remote.artery.ssl.config-ssl-engine.";
        pekko.put("pekko.remote.artery.ssl.ssl-engine-provider", "org.apache.pekko.remote.artery.tcp.ConfigSSLEngineProvider");
        pekko.put(engine + "key-store", settings.getString("sppo4j.cluster.tls.key-store"));
        pekko.put(engine + "key-store-password", settings.getString("sppo4j.cluster.tls.key-store-password"));
        pekko.put(engine + "key-password", settings.getString("sppo4j.cluster.tls.key-password"));
        pekko.put(engine + "trust-store", settings.getString("sppo4j.cluster.tls.trust-store"));
        pekko.put(engine + "trust-store-password", settings.getString("sppo4j.cluster.tls.trust-store-password"));
        pekko.put(engine + "require-mutual-authentication", "on");
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
}
