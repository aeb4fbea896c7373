package io.sppo4j.cluster.rolloutlog;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/** What the rollout log wrote, and how often it failed (a failure never reaches the learner). */
public final class RolloutLogMetrics {

    final Counter records;
    final Counter bytes;
    final Counter files;
    final Counter errors;

    /** Counters registered on {@code registry}; once per registry. */
    public static RolloutLogMetrics register(PrometheusRegistry registry) {
        return new RolloutLogMetrics(registry);
    }

    /** Counters on no registry (tests, or a node without a metrics endpoint). */
    public static RolloutLogMetrics unregistered() {
        return new RolloutLogMetrics(null);
    }

    private RolloutLogMetrics(PrometheusRegistry registry) {
        records = counter(registry, "sppo_rollout_log_records_total", "Judged groups appended to the rollout log.");
        bytes = counter(registry, "sppo_rollout_log_bytes_total", "Bytes appended to the rollout log, length prefixes included.");
        files = counter(registry, "sppo_rollout_log_files_total", "Rollout log files started.");
        errors = counter(registry, "sppo_rollout_log_errors_total",
                "Judged groups the rollout log failed to write (IO errors, unwritable records).");
    }

    private static Counter counter(PrometheusRegistry registry, String name, String help) {
        Counter.Builder builder = Counter.builder().name(name).help(help);
        return registry == null ? builder.build() : builder.register(registry);
    }

    /** Records written so far. */
    public long records() {
        return records.getLongValue();
    }

    /** Bytes written so far. */
    public long bytes() {
        return bytes.getLongValue();
    }

    /** Files started so far. */
    public long files() {
        return files.getLongValue();
    }

    /** Records lost to errors so far. */
    public long errors() {
        return errors.getLongValue();
    }
}
