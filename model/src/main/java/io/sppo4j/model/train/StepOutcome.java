package io.sppo4j.model.train;

import io.sppo4j.model.loss.LossResult;
import io.sppo4j.model.optim.StepStats;

/** Folds a loss and the optimiser step that followed it into an {@link UpdateResult}. */
final class StepOutcome {

    private StepOutcome() {}

    static UpdateResult of(double loss, LossResult result, StepStats stats) {
        return new UpdateResult(
                loss, stats.gradientNorm(), stats.learningRate(), mean(result.logRatio()), mean(result.target()),
                stats.applied(), stats.skipCause());
    }

    /** A batch without any pair or sample to learn from: no optimiser step. */
    static UpdateResult skipped() {
        return new UpdateResult(0, 0, 0, 0, 0, false);
    }

    static double mean(float[] values) {
        double sum = 0;
        for (float value : values) {
            sum += value;
        }
        return values.length == 0 ? 0 : sum / values.length;
    }
}
