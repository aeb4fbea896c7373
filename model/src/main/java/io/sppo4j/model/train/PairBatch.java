package io.sppo4j.model.train;

import java.util.List;

/** (winner, loser) response pairs to the same prompt, one pair per judged group. */
public record PairBatch(List<int[]> prompts, List<int[]> winners, List<int[]> losers) {

    public PairBatch {
        if (winners.size() != prompts.size() || losers.size() != prompts.size()) {
            throw new IllegalArgumentException(
                    prompts.size() + " prompts, " + winners.size() + " winners, " + losers.size() + " losers");
        }
        prompts = List.copyOf(prompts);
        winners = List.copyOf(winners);
        losers = List.copyOf(losers);
    }

    public int size() {
        return prompts.size();
    }
}
