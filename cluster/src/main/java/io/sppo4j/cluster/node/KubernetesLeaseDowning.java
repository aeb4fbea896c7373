package io.sppo4j.cluster.node;

import com.typesafe.config.Config;

import java.util.Map;

/**
 * {@code sppo4j.cluster.downing = lease-majority}: the Split Brain Resolver keeps the side of a
 * partition that takes a Kubernetes {@code coordination.k8s.io/v1} Lease (pekko-lease-kubernetes),
 * the majority trying first. Unlike keep-majority it also decides an even split, and a side
 * that cannot reach the API server downs itself, so at most one side survives even when the
 * cluster is cut into pieces none of which is a majority.
 */
final class KubernetesLeaseDowning {

    static final String LEASE_MAJORITY = "lease-majority";
    /** Where pekko-lease-kubernetes reads its settings. */
    private static final String LEASE = "pekko.coordination.lease.kubernetes.";

    private KubernetesLeaseDowning() {}

    static void configure(Config settings, Map<String, Object> pekko) {
        if (!LEASE_MAJORITY.equals(settings.getString("sppo4j.cluster.downing"))) {
            return;
        }
        Config kubernetes = settings.getConfig("sppo4j.cluster.kubernetes");
        Config lease = settings.getConfig("sppo4j.cluster.lease-majority");
        String sbr = "pekko.cluster.split-brain-resolver.lease-majority.";
        pekko.put(sbr + "lease-implementation", "pekko.coordination.lease.kubernetes");
        pekko.put(sbr + "lease-name", lease.getString("lease-name"));
        pekko.put(sbr + "acquire-lease-delay-for-minority", lease.getDuration("acquire-delay-for-minority").toMillis() + "ms");
        pekko.put(sbr + "release-after", lease.getDuration("release-after").toMillis() + "ms");
        // The built-in Lease kind: no custom resource definition to install, only RBAC on leases.
        pekko.put(LEASE + "lease-class", "org.apache.pekko.coordination.lease.kubernetes.NativeKubernetesLease");
        pekko.put(LEASE + "heartbeat-timeout", lease.getDuration("heartbeat-timeout").toMillis() + "ms");
        pekko.put(LEASE + "api-ca-path", kubernetes.getString("api-ca-path"));
        pekko.put(LEASE + "api-token-path", kubernetes.getString("api-token-path"));
        pekko.put(LEASE + "namespace-path", kubernetes.getString("namespace-path"));
        if (!kubernetes.getString("namespace").isBlank()) {
            pekko.put(LEASE + "namespace", kubernetes.getString("namespace"));
        }
        pekko.put(LEASE + "api-service-host", environment(kubernetes, "api-host-env"));
        pekko.put(LEASE + "api-service-port", environment(kubernetes, "api-port-env"));
    }

    private static String environment(Config kubernetes, String key) {
        String variable = kubernetes.getString(key);
        String value = System.getenv(variable);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("sppo4j.cluster.downing = lease-majority takes its lease through the"
                    + " Kubernetes API, but the environment variable " + variable + " (sppo4j.cluster.kubernetes." + key
                    + ") is not set");
        }
        return value;
    }
}
