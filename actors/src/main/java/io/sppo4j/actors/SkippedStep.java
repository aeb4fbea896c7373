package io.sppo4j.actors;

import io.sppo4j.actors.metrics.LearnerMetrics;
import io.sppo4j.model.train.UpdateResult;

import java.util.Optional;

/** Why a learner step left the weights as they were. */
enum SkippedStep {

    /** The global gradient norm was NaN or infinite: the optimiser refused the update. */
    NON_FINITE_GRADIENT(LearnerMetrics.NON_FINITE_GRADIENT, "the global gradient norm was not finite"),

    /** The batch held nothing to learn from (for a pairwise method: no group the judge could separate). */
    NO_PAIRS(LearnerMetrics.NO_PAIRS, "the batch held no pair or sample to learn from");

    /** The metric label. */
    final String label;
    /** The log's explanation. */
    final String explanation;

    SkippedStep(String label, String explanation) {
        this.label = label;
        this.explanation = explanation;
    }

    /** The cause when {@code result} was not applied; empty for an applied step. */
    static Optional<SkippedStep> of(UpdateResult result) {
        if (result.applied()) {
            return Optional.empty();
        }
        return Optional.of(Double.isFinite(result.gradientNorm()) ? NO_PAIRS : NON_FINITE_GRADIENT);
    }
}
