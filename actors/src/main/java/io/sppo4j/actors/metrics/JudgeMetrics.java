package io.sppo4j.actors.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/** Judge workers' metrics, labelled by judge. */
public final class JudgeMetrics {

    final Counter comparisons;
    final Counter groups;
    final Histogram intransitiveTriadShare;

    JudgeMetrics(PrometheusRegistry registry) {
        comparisons = Counter.builder().name("sppo_judge_comparisons_total")
                .help("Ordered response pairs judged.").labelNames("judge").register(registry);
        groups = Counter.builder().name("sppo_judge_groups_total")
                .help("Rollout groups judged.").labelNames("judge").register(registry);
        intransitiveTriadShare = Histogram.builder().name("sppo_judge_intransitive_triad_share")
                .help("Per group, the share of response triples the judge ranked in a cycle.").labelNames("judge")
                .classicUpperBounds(0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0).register(registry);
    }

    public void judged(String judge, int groupSize, double cyclicShare) {
        groups.labelValues(judge).inc();
        comparisons.labelValues(judge).inc((long) groupSize * (groupSize - 1));
        if (!Double.isNaN(cyclicShare)) {
            intransitiveTriadShare.labelValues(judge).observe(cyclicShare);
        }
    }
}
