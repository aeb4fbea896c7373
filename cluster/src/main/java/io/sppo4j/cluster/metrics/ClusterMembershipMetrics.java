package io.sppo4j.cluster.metrics;

import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * The cluster as this node sees it, read at each scrape: members by status
 * ({@code sppo_cluster_members{status="up"}}, ...) and how many of them it cannot reach. Lets a
 * dashboard show formation, scaling and failover, and an operator see who is unreachable before
 * the Split Brain Resolver decides.
 */
public final class ClusterMembershipMetrics {

    private static final MemberStatus[] STATUSES = {
        MemberStatus.joining(), MemberStatus.weaklyUp(), MemberStatus.up(), MemberStatus.leaving(),
        MemberStatus.exiting(), MemberStatus.down(), MemberStatus.removed()
    };

    private ClusterMembershipMetrics() {}

    public static void register(PrometheusRegistry registry, ActorSystem<?> system) {
        Cluster cluster = Cluster.get(system);
        GaugeWithCallback.builder()
                .name("sppo_cluster_members")
                .help("Cluster members this node sees, by status.")
                .labelNames("status")
                .callback(callback -> {
                    Map<String, Integer> counts = new TreeMap<>();
                    for (MemberStatus status : STATUSES) {
                        counts.put(label(status), 0);
                    }
                    for (Member member : cluster.state().getMembers()) {
                        counts.merge(label(member.status()), 1, Integer::sum);
                    }
                    counts.forEach((status, count) -> callback.call(count, status));
                })
                .register(registry);
        GaugeWithCallback.builder()
                .name("sppo_cluster_unreachable_members")
                .help("Members this node's failure detector marks unreachable.")
                .callback(callback -> {
                    ClusterEvent.CurrentClusterState state = cluster.state();
                    callback.call(state.getUnreachable().size());
                })
                .register(registry);
    }

    /** {@code up}, {@code weakly_up}, ...: Pekko's status names in Prometheus label style. */
    private static String label(MemberStatus status) {
        return status.toString().replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
    }
}
