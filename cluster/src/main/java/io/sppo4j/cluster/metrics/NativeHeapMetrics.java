package io.sppo4j.cluster.metrics;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.sppo4j.model.memory.NativeHeapTrimmer;

/**
 * {@code sppo_native_heap_trims_total} and {@code sppo_native_heap_released_bytes_total}: how
 * often this process gave the C heap's free pages back and how much that released, so a resident
 * set that climbs anyway is told apart from one the trims hold down.
 */
public final class NativeHeapMetrics {

    private NativeHeapMetrics() {}

    public static void register(PrometheusRegistry registry, NativeHeapTrimmer trimmer) {
        CounterWithCallback.builder().name("sppo_native_heap_trims_total")
                .help("Trims of the C heap (glibc malloc_trim) done by this process; 0 when sppo4j.memory.trim-interval is 0s.")
                .callback(callback -> callback.call(trimmer.trims())).register(registry);
        CounterWithCallback.builder().name("sppo_native_heap_released_bytes_total")
                .help("Resident bytes the C heap trims gave back to the operating system.")
                .callback(callback -> callback.call(trimmer.releasedBytes())).register(registry);
    }
}
