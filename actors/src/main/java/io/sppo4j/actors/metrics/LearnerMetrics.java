package io.sppo4j.actors.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/** The learner's metrics (one learner per cluster, so no worker labels). */
public final class LearnerMetrics {

    /** Skipped-step causes, the values of the {@code cause} label. */
    public static final String NON_FINITE_GRADIENT = "non_finite_gradient";
    public static final String NO_PAIRS = "no_pairs";

    final Counter steps;
    final Gauge step;
    final Gauge loss;
    final Histogram staleness;
    final Counter droppedStale;
    final Counter reclaimedCredits;
    final Counter issuedCredits;
    final Gauge creditsInFlight;
    final Gauge bufferDepth;
    final Gauge version;
    final Histogram publishSeconds;
    final Counter samples;
    final Counter busySeconds;
    final Counter skippedSteps;
    final Counter damagedCheckpoints;

    LearnerMetrics(PrometheusRegistry registry) {
        steps = Counter.builder().name("sppo_learner_steps_total")
                .help("Optimiser steps applied by this process (skipped ones are counted apart).").register(registry);
        step = Gauge.builder().name("sppo_learner_step")
                .help("The learner's step, counting steps of earlier learners it resumed from.").register(registry);
        loss = Gauge.builder().name("sppo_learner_loss").help("Loss of the latest step.").register(registry);
        staleness = Histogram.builder().name("sppo_learner_staleness_versions")
                .help("Learner version minus the version that sampled a group, at arrival.")
                .classicUpperBounds(0, 1, 2, 3, 4, 6, 8, 16).register(registry);
        droppedStale = Counter.builder().name("sppo_learner_dropped_stale_groups_total")
                .help("Groups dropped for being older than max-staleness versions.").register(registry);
        reclaimedCredits = Counter.builder().name("sppo_learner_reclaimed_credits_total")
                .help("Credits taken back from workers that stopped or timed out.").register(registry);
        issuedCredits = Counter.builder().name("sppo_learner_credits_issued_total")
                .help("Credits granted to rollout workers by this process (each is one group to sample).").register(registry);
        creditsInFlight = Gauge.builder().name("sppo_learner_credits_in_flight")
                .help("Credits granted whose groups have not arrived.").register(registry);
        bufferDepth = Gauge.builder().name("sppo_learner_buffer_depth")
                .help("Judged groups waiting for a batch.").register(registry);
        version = Gauge.builder().name("sppo_policy_version").help("Latest published weight version.").register(registry);
        publishSeconds = Histogram.builder().name("sppo_weights_publish_seconds")
                .help("Time to export and publish a weight snapshot.")
                .classicExponentialUpperBounds(0.001, 2, 14).register(registry);
        samples = Counter.builder().name("sppo_learner_samples_total")
                .help("Judged samples consumed by optimiser steps.").register(registry);
        busySeconds = Counter.builder().name("sppo_learner_busy_seconds_total")
                .help("Time spent in optimiser steps (its rate is the learner's busy fraction).").register(registry);
        skippedSteps = Counter.builder().name("sppo_learner_skipped_steps_total")
                .help("Steps whose update was skipped, by cause (non_finite_gradient, no_pairs).")
                .labelNames("cause").register(registry);
        // Both causes from the start, at 0: "no series" never has to be read as "none skipped".
        skippedSteps.labelValues(NON_FINITE_GRADIENT);
        skippedSteps.labelValues(NO_PAIRS);
        damagedCheckpoints = Counter.builder().name("sppo_learner_damaged_checkpoints_total")
                .help("Damaged checkpoints passed over at resume for an older intact one.").register(registry);
    }

    /**
     * @param applied whether the update was applied; a skipped one counts under {@link #skipped}
     */
    public void stepped(long newStep, double stepLoss, long batchSamples, double seconds, boolean applied) {
        if (applied) {
            steps.inc();
        }
        busySeconds.inc(seconds);
        step.set(newStep);
        loss.set(stepLoss);
        samples.inc(batchSamples);
    }

    /** A step whose update was skipped, by cause (a label such as {@code non_finite_gradient}). */
    public void skipped(String cause) {
        skippedSteps.labelValues(cause).inc();
    }

    public void damagedCheckpoint() {
        damagedCheckpoints.inc();
    }

    public void arrived(long stalenessVersions) {
        staleness.observe(stalenessVersions);
    }

    public void dropped(long groups) {
        droppedStale.inc(groups);
    }

    public void issued(long credits) {
        issuedCredits.inc(credits);
    }

    public void reclaimed(long credits) {
        reclaimedCredits.inc(credits);
    }

    public void occupancy(int inFlight, int buffered) {
        creditsInFlight.set(inFlight);
        bufferDepth.set(buffered);
    }

    /** The step a learner starts from (0, or its checkpoint's). */
    public void resumedAt(long startStep) {
        step.set(startStep);
    }

    public void published(long newVersion, double seconds) {
        version.set(newVersion);
        publishSeconds.observe(seconds);
    }
}
