package io.sppo4j.cluster.metrics;

import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.sppo4j.cluster.serialization.WireRefusals;

/**
 * The registry a cluster node serves on {@code /metrics}, with what every node exports whatever
 * its roles: the JVM's own metrics (memory pools, GC, threads: {@code jvm_*}) and the wire's
 * refusals. The roles' metrics are added by the pipeline the node builds on it.
 */
public final class NodeMetrics {

    private NodeMetrics() {}

    public static PrometheusRegistry newRegistry() {
        PrometheusRegistry registry = new PrometheusRegistry();
        JvmMetrics.builder().register(registry);
        WireRefusals.registerOn(registry);
        return registry;
    }
}
