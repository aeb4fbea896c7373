package io.sppo4j.actors.training;

import io.sppo4j.model.policy.LanguageModel;
import io.sppo4j.model.scoring.ResponseDistribution;
import io.sppo4j.model.task.FiniteResponses;

/**
 * The running average of the published policies' distributions over a finite response set.
 * In games without a pure equilibrium the iterates of no-regret dynamics cycle around the Nash
 * equilibrium while their average converges to it, so both are reported.
 */
public final class PolicyAverage {

    /** The latest policy's distribution and the average over published versions so far. */
    public record Distributions(double[] last, double[] average) {}

    private final FiniteResponses responses;
    private double[] sum;
    private long count;

    public PolicyAverage(FiniteResponses responses) {
        this.responses = responses;
    }

    /**
     * Records the distribution of the version just published. Version 0 (the initial weights)
     * stands for the average only until a trained version exists.
     */
    public Distributions record(LanguageModel policy, long version) {
        double[] last = ResponseDistribution.of(policy, responses);
        if (version >= 1) {
            if (sum == null) {
                sum = new double[last.length];
            }
            for (int i = 0; i < last.length; i++) {
                sum[i] += last[i];
            }
            count++;
        }
        double[] average = last.clone();
        if (count > 0) {
            for (int i = 0; i < average.length; i++) {
                average[i] = sum[i] / count;
            }
        }
        return new Distributions(last, average);
    }
}
