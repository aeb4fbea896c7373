package io.sppo4j.actors.training;

import io.sppo4j.actors.data.JudgedGroup;

import java.util.Optional;

/** Which responses of a judged group a pairwise method learns from. */
final class GroupSelection {

    private GroupSelection() {}

    /** Indices of the best and the worst response by win rate; empty when the judge saw no difference. */
    static Optional<int[]> bestAndWorst(JudgedGroup group) {
        double[] rates = group.winRates();
        int best = 0;
        int worst = 0;
        for (int i = 1; i < rates.length; i++) {
            if (rates[i] > rates[best]) {
                best = i;
            }
            if (rates[i] < rates[worst]) {
                worst = i;
            }
        }
        return rates[best] > rates[worst] ? Optional.of(new int[] {best, worst}) : Optional.empty();
    }
}
