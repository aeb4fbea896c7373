package io.sppo4j.actors.data;

import java.util.Arrays;
import java.util.Objects;

/**
 * A rollout group with its judgement.
 *
 * @param group the judged responses
 * @param preferences K×K matrix P[i][j] = P(y_i ≻ y_j | x)
 * @param winRates p̂_i = mean over j ≠ i of P[i][j]
 * @param cyclicTriadShare share of response triples the judge ranked in a cycle (NaN for K < 3)
 * @param judge name of the judge worker
 */
public record JudgedGroup(
        RolloutGroup group, double[][] preferences, double[] winRates, double cyclicTriadShare, String judge) {

    public JudgedGroup {
        Objects.requireNonNull(group, "group");
        if (preferences.length != group.size() || winRates.length != group.size()) {
            throw new IllegalArgumentException(
                    "judgement of " + preferences.length + "x" + preferences.length + " and " + winRates.length
                            + " win rates for a group of " + group.size());
        }
    }

    public long version() {
        return group.version();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof JudgedGroup that
                && group.equals(that.group)
                && Arrays.deepEquals(preferences, that.preferences)
                && Arrays.equals(winRates, that.winRates)
                && Double.compare(cyclicTriadShare, that.cyclicTriadShare) == 0
                && judge.equals(that.judge);
    }

    @Override
    public int hashCode() {
        return Objects.hash(group, Arrays.deepHashCode(preferences), Arrays.hashCode(winRates), judge);
    }

    @Override
    public String toString() {
        return "JudgedGroup[" + group + ", win rates " + Arrays.toString(winRates) + "]";
    }
}
