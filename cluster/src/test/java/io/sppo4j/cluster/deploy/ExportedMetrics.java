package io.sppo4j.cluster.deploy;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;
import io.sppo4j.actors.metrics.PipelineMetrics;
import io.sppo4j.cluster.metrics.ClusterMembershipMetrics;
import io.sppo4j.cluster.metrics.NodeMetrics;
import io.sppo4j.cluster.node.NodeSettings;
import io.sppo4j.cluster.rolloutlog.RolloutLogMetrics;
import io.sppo4j.cluster.serialization.ControlPlaneRegistry;
import io.sppo4j.model.config.EffectiveConfig;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The names of the series a node serves on {@code /metrics}, as Prometheus stores them
 * ({@code _total}, {@code _bucket}, {@code _sum}, {@code _count} included): the registry built
 * the way {@code sppo node} builds it, on a started cluster node, written in the text format.
 */
final class ExportedMetrics {

    private ExportedMetrics() {}

    static Set<String> ofANode() throws Exception {
        PrometheusRegistry registry = NodeMetrics.newRegistry();
        PipelineMetrics.register(registry);
        RolloutLogMetrics.register(registry);
        ActorSystem<Void> node = ActorSystem.create(Behaviors.empty(), NodeSettings.SYSTEM_NAME,
                NodeSettings.of(EffectiveConfig.load(List.of(), List.of()), Set.of("learner"), 0, List.of(),
                        ControlPlaneRegistry.registrationFingerprint()));
        try {
            ClusterMembershipMetrics.register(registry, node);
            ByteArrayOutputStream text = new ByteArrayOutputStream();
            PrometheusTextFormatWriter.create().write(text, registry.scrape());
            Set<String> names = registeredNames(registry);
            Matcher sample = Pattern.compile("(?m)^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]").matcher(text.toString(StandardCharsets.UTF_8));
            while (sample.find()) {
                names.add(sample.group(1));
            }
            return names;
        } finally {
            node.terminate();
            node.getWhenTerminated().toCompletableFuture().get();
        }
    }

    /**
     * The series names of every registered metric, including labelled ones that have no series
     * yet (a rollout worker's counters appear once the worker exists).
     */
    private static Set<String> registeredNames(PrometheusRegistry registry) {
        Set<String> names = new TreeSet<>();
        for (MetricSnapshot snapshot : registry.scrape()) {
            String name = snapshot.getMetadata().getPrometheusName();
            if (snapshot instanceof CounterSnapshot) {
                names.add(name + "_total");
            } else if (snapshot instanceof HistogramSnapshot) {
                names.addAll(List.of(name + "_bucket", name + "_sum", name + "_count"));
            } else if (snapshot instanceof SummarySnapshot) {
                names.addAll(List.of(name, name + "_sum", name + "_count"));
            } else if (snapshot instanceof InfoSnapshot) {
                names.add(name + "_info");
            } else {
                names.add(name);
            }
        }
        return names;
    }

    private static final Set<String> PROMQL_WORDS = Set.of(
            "sum", "min", "max", "avg", "count", "rate", "irate", "increase", "histogram_quantile", "by", "without",
            "and", "or", "unless", "on", "ignoring", "group_left", "group_right", "offset", "bool", "abs", "clamp_min",
            "clamp_max", "delta", "deriv", "topk", "bottomk", "quantile", "stddev", "avg_over_time", "max_over_time",
            "min_over_time", "vector", "scalar", "time", "label_replace");

    /** The metric names a PromQL expression reads: its identifiers less functions, keywords and labels. */
    static Set<String> metricsIn(String promql) {
        String bare = promql
                .replaceAll("\"[^\"]*\"", "")              // label values
                .replaceAll("\\{[^}]*}", "")               // label matchers
                .replaceAll("\\[[^]]*]", "")               // range selectors
                .replaceAll("\\b(by|without|on|ignoring)\\s*\\([^)]*\\)", ""); // grouping labels
        Set<String> names = new TreeSet<>();
        Matcher identifier = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*").matcher(bare);
        while (identifier.find()) {
            String word = identifier.group();
            int end = identifier.end();
            if (!PROMQL_WORDS.contains(word) && !(end < bare.length() && bare.charAt(end) == '(')
                    && !word.matches("\\d.*")) {
                names.add(word);
            }
        }
        return names;
    }
}
