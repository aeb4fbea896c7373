package io.sppo4j.cluster.serialization;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts messages the wire serializers refused, JVM-wide. Pekko creates serializers
 * reflectively, one per ActorSystem, with no way to hand them a metrics registry; so the counts
 * live here and {@link #registerOn} exposes them as {@code sppo_wire_refused_total{reason}} on
 * whichever registry a node serves.
 */
public final class WireRefusals {

    /** Why a message was refused. */
    public enum Reason {
        /** A data-plane message or log record with a newer {@code schema_version}. */
        NEWER_SCHEMA("newer_schema"),
        /** A control-plane class missing from the Kryo registration (on either side). */
        UNREGISTERED_CLASS("unregistered_class"),
        /** A manifest this build does not know (a data-plane type or a control-plane registration). */
        UNKNOWN_MANIFEST("unknown_manifest"),
        /** Bytes that do not parse, or parse into values the records refuse. */
        MALFORMED("malformed");

        private final String label;

        Reason(String label) {
            this.label = label;
        }

        /** The metric label value. */
        public String label() {
            return label;
        }
    }

    private static final Map<Reason, AtomicLong> COUNTS = new EnumMap<>(Reason.class);

    static {
        for (Reason reason : Reason.values()) {
            COUNTS.put(reason, new AtomicLong());
        }
    }

    private WireRefusals() {}

    /** Counts one refusal. */
    public static void count(Reason reason) {
        COUNTS.get(reason).incrementAndGet();
    }

    /** Refusals for {@code reason} since the JVM started. */
    public static long total(Reason reason) {
        return COUNTS.get(reason).get();
    }

    /**
     * Exposes the counts on {@code registry} as {@code sppo_wire_refused_total{reason}}. Call it
     * once per registry (Prometheus refuses a second metric of the same name).
     */
    public static CounterWithCallback registerOn(PrometheusRegistry registry) {
        return CounterWithCallback.builder()
                .name("sppo_wire_refused_total")
                .help("Messages the wire serializers refused, by reason.")
                .labelNames("reason")
                .callback(callback -> COUNTS.forEach((reason, count) -> callback.call(count.get(), reason.label())))
                .register(registry);
    }
}
