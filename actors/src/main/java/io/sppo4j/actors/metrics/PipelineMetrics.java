package io.sppo4j.actors.metrics;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.sppo4j.actors.weights.WeightTransferMetrics;

/**
 * Every role's metrics, registered once per registry: several workers of a role in one JVM
 * share a metric and tell themselves apart by label.
 */
public record PipelineMetrics(
        PrometheusRegistry registry, RolloutMetrics rollout, JudgeMetrics judge, LearnerMetrics learner, EvalMetrics eval,
        WeightTransferMetrics weights) {

    public static PipelineMetrics register(PrometheusRegistry registry) {
        return new PipelineMetrics(
                registry,
                new RolloutMetrics(registry),
                new JudgeMetrics(registry),
                new LearnerMetrics(registry),
                new EvalMetrics(registry),
                WeightTransferMetrics.registeredIn(registry));
    }
}
