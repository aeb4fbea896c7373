package io.sppo4j.actors.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/** Rollout workers' metrics, labelled by worker. */
public final class RolloutMetrics {

    final Counter sequences;
    final Counter tokens;
    final Gauge version;
    final Histogram weightLoadSeconds;

    RolloutMetrics(PrometheusRegistry registry) {
        sequences = Counter.builder().name("sppo_rollout_sequences_total")
                .help("Responses sampled.").labelNames("worker").register(registry);
        tokens = Counter.builder().name("sppo_rollout_tokens_total")
                .help("Tokens generated, EOS included.").labelNames("worker").register(registry);
        version = Gauge.builder().name("sppo_rollout_policy_version")
                .help("Weight version the worker samples with.").labelNames("worker").register(registry);
        weightLoadSeconds = Histogram.builder().name("sppo_weights_load_seconds")
                .help("Time to import a weight snapshot into a worker's policy.").labelNames("worker")
                .classicExponentialUpperBounds(0.001, 2, 14).register(registry);
    }

    public void sampled(String worker, long sequenceCount, long tokenCount) {
        sequences.labelValues(worker).inc(sequenceCount);
        tokens.labelValues(worker).inc(tokenCount);
    }

    public void loaded(String worker, long newVersion, double seconds) {
        version.labelValues(worker).set(newVersion);
        weightLoadSeconds.labelValues(worker).observe(seconds);
    }
}
