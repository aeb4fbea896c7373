package io.sppo4j.model.train;

import java.util.List;

/**
 * Judged samples flattened for one update: sample i is response {@code responses[i]} to
 * {@code prompts[i]}, sampled with log-probability {@code samplerLogProbs[i]}, winning against
 * its group with rate {@code winRates[i]}; {@code groups[i]} says which group it came from (pair
 * losses pick winners and losers within a group).
 */
public record PreferenceBatch(
        List<int[]> prompts, List<int[]> responses, float[] samplerLogProbs, float[] winRates, int[] groups) {

    public PreferenceBatch {
        int n = prompts.size();
        if (responses.size() != n || samplerLogProbs.length != n || winRates.length != n || groups.length != n) {
            throw new IllegalArgumentException(
                    "batch of unequal parts: " + n + " prompts, " + responses.size() + " responses, "
                            + samplerLogProbs.length + " log-probs, " + winRates.length + " win rates, "
                            + groups.length + " group ids");
        }
        prompts = List.copyOf(prompts);
        responses = List.copyOf(responses);
    }

    public int size() {
        return prompts.size();
    }
}
