package io.sppo4j.actors.metrics;

import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/** The evaluator's latest results. */
public final class EvalMetrics {

    final Gauge winRate;
    final Gauge meanLength;
    final Gauge referenceMeanLength;
    final Gauge version;

    EvalMetrics(PrometheusRegistry registry) {
        winRate = Gauge.builder().name("sppo_eval_winrate")
                .help("Judge win rate of the policy over the frozen reference on held-out prompts.").register(registry);
        meanLength = Gauge.builder().name("sppo_eval_mean_length_tokens")
                .help("Mean policy response length on held-out prompts.").register(registry);
        referenceMeanLength = Gauge.builder().name("sppo_eval_reference_mean_length_tokens")
                .help("Mean reference response length on the same prompts.").register(registry);
        version = Gauge.builder().name("sppo_eval_version").help("Weight version last evaluated.").register(registry);
    }

    public void evaluated(long evaluatedVersion, double rate, double length, double referenceLength) {
        version.set(evaluatedVersion);
        winRate.set(rate);
        meanLength.set(length);
        referenceMeanLength.set(referenceLength);
    }
}
