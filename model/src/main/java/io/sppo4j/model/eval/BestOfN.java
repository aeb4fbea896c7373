package io.sppo4j.model.eval;

import io.sppo4j.model.judge.PreferenceMatrices;
import io.sppo4j.model.judge.PreferenceModel;

import java.util.List;

/**
 * Best-of-N reranking: N sampled responses to one prompt, judged as one group, and the one the
 * judge likes best. A response's score is its mean preference over the others,
 * {@code mean_{j≠i} P_ij}, the same p̂_i SPPO trains on; for a reward-model judge this orders the
 * responses as their rewards do, for a pairwise judge (PairRM, an LLM) it is the only total
 * order the judge gives. Ties go to the earliest sample.
 *
 * @param candidates the N responses, in sampling order
 * @param scores each one's mean preference over the others
 * @param chosen index of the best
 */
public record BestOfN(List<String> candidates, double[] scores, int chosen) {

    public BestOfN {
        candidates = List.copyOf(candidates);
        scores = scores.clone();
    }

    @Override
    public double[] scores() {
        return scores.clone();
    }

    /** The judge's choice among {@code candidates} (at least 2). */
    public static BestOfN choose(PreferenceModel judge, String prompt, List<String> candidates) {
        if (candidates.size() < 2) {
            throw new IllegalArgumentException("best-of-N needs at least 2 candidates, got " + candidates.size());
        }
        double[][] preferences = judge.preferences(prompt, candidates);
        PreferenceMatrices.validate(preferences, "judge " + judge.name());
        double[] scores = PreferenceMatrices.winRates(preferences);
        int best = 0;
        for (int i = 1; i < scores.length; i++) {
            if (scores[i] > scores[best]) {
                best = i;
            }
        }
        return new BestOfN(candidates, scores, best);
    }

    public String response() {
        return candidates.get(chosen);
    }
}
