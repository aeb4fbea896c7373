package io.sppo4j.actors.weights;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.sppo4j.model.weights.WeightSnapshot;

/**
 * What a node's weight cache counts: versions whose received bytes failed their checksum (never
 * used: the node keeps its previous weights), and the native memory weight versions hold.
 */
public final class WeightTransferMetrics {

    private final Counter checksumFailures;

    private WeightTransferMetrics(PrometheusRegistry registry) {
        Counter.Builder failures = Counter.builder().name("sppo_weights_checksum_failures_total")
                .help("Weight versions whose received bytes failed their checksum and were discarded.");
        checksumFailures = registry == null ? failures.build() : failures.register(registry);
        if (registry != null) {
            GaugeWithCallback.builder().name("sppo_weights_snapshot_bytes")
                    .help("Native memory held by weight versions (being served, received or loaded).")
                    .callback(callback -> callback.call(WeightSnapshot.nativeBytesHeld()))
                    .register(registry);
        }
    }

    /** Exported on {@code registry}'s /metrics. */
    public static WeightTransferMetrics registeredIn(PrometheusRegistry registry) {
        return new WeightTransferMetrics(registry);
    }

    /** Counted, but exported nowhere (tests, a cache alone in its JVM). */
    public static WeightTransferMetrics unregistered() {
        return new WeightTransferMetrics(null);
    }

    public void checksumFailed() {
        checksumFailures.inc();
    }

    public long checksumFailures() {
        return (long) checksumFailures.get();
    }
}
