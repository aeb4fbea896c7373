package io.sppo4j.cluster.node;

import com.typesafe.config.Config;

import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.management.cluster.bootstrap.ClusterBootstrap;
import org.apache.pekko.management.javadsl.PekkoManagement;

/**
 * How a node finds the cluster ({@code sppo4j.cluster.discovery-method}): the seed list, or
 * Pekko Management's cluster bootstrap over the pods the Kubernetes API lists (the production
 * path on Kubernetes: no seed to configure, the first pods form the cluster and later ones join
 * it). With either, the management endpoint can serve the health checks {@code /ready} (this
 * node is an Up member) and {@code /alive}.
 */
public final class NodeDiscovery {

    public static final String SEEDS = "seeds";
    public static final String KUBERNETES_API = "kubernetes-api";

    /** Name under which the bootstrap looks the cluster up; the label selector does the real selecting. */
    private static final String SERVICE_NAME = "sppo4j";

    private NodeDiscovery() {}

    /** Adds the management, bootstrap and discovery settings of {@code settings} to {@code pekko}. */
    static void configure(Config settings, List<String> seedAddresses, Map<String, Object> pekko) {
        String method = method(settings);
        if (!managementEnabled(settings)) {
            return;
        }
        String host = managementHost(settings);
        pekko.put("pekko.management.http.hostname", host);
        pekko.put("pekko.management.http.bind-hostname", host);
        pekko.put("pekko.management.http.port", settings.getInt("sppo4j.cluster.management.port"));
        pekko.put("pekko.management.http.bind-port", settings.getInt("sppo4j.cluster.management.port"));
        pekko.put("pekko.management.health-checks.readiness-checks.sppo4j-membership", MembershipReadiness.class.getName());
        if (!KUBERNETES_API.equals(method)) {
            return;
        }
        if (!seedAddresses.isEmpty()) {
            throw new IllegalArgumentException("sppo4j.cluster.discovery-method = kubernetes-api finds the seed nodes"
                    + " itself; remove sppo4j.cluster.seeds and --seed (got " + seedAddresses + ")");
        }
        Config kubernetes = settings.getConfig("sppo4j.cluster.kubernetes");
        String bootstrap = "pekko.management.cluster.bootstrap.contact-point-discovery.";
        pekko.put(bootstrap + "discovery-method", KUBERNETES_API);
        pekko.put(bootstrap + "service-name", SERVICE_NAME);
        pekko.put(bootstrap + "port-name", kubernetes.getString("management-port-name"));
        pekko.put(bootstrap + "required-contact-point-nr", kubernetes.getInt("required-contact-points"));
        String discovery = "pekko.discovery.kubernetes-api.";
        pekko.put(discovery + "pod-label-selector", kubernetes.getString("pod-label-selector"));
        // Contact points by IP: pods need no DNS records, and the IP is what the node advertises.
        pekko.put(discovery + "use-raw-ip", "true");
        pekko.put(discovery + "api-ca-path", kubernetes.getString("api-ca-path"));
        pekko.put(discovery + "api-token-path", kubernetes.getString("api-token-path"));
        pekko.put(discovery + "api-service-host-env-name", kubernetes.getString("api-host-env"));
        pekko.put(discovery + "api-service-port-env-name", kubernetes.getString("api-port-env"));
        if (!kubernetes.getString("namespace").isBlank()) {
            pekko.put(discovery + "pod-namespace", kubernetes.getString("namespace"));
        }
    }

    /**
     * Starts the management endpoint and, with kubernetes-api discovery, the cluster bootstrap
     * (which joins or forms the cluster); does nothing when neither is configured.
     */
    public static void start(ActorSystem<?> system, Config settings) {
        if (!managementEnabled(settings)) {
            return;
        }
        PekkoManagement.get(system.classicSystem()).start().toCompletableFuture().join();
        if (KUBERNETES_API.equals(method(settings))) {
            ClusterBootstrap.get(system.classicSystem()).start();
        }
    }

    static boolean managementEnabled(Config settings) {
        return settings.getBoolean("sppo4j.cluster.management.enabled") || KUBERNETES_API.equals(method(settings));
    }

    static String managementHost(Config settings) {
        String host = settings.getString("sppo4j.cluster.management.host");
        return host.isBlank() ? settings.getString("sppo4j.cluster.host") : host;
    }

    private static String method(Config settings) {
        String method = settings.getString("sppo4j.cluster.discovery-method");
        if (!SEEDS.equals(method) && !KUBERNETES_API.equals(method)) {
            throw new IllegalArgumentException("sppo4j.cluster.discovery-method: '" + method
                    + "' is not one of seeds, kubernetes-api");
        }
        return method;
    }
}
