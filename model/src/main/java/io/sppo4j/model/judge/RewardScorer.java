package io.sppo4j.model.judge;

import java.util.List;

/**
 * A scalar reward for each response to a prompt, as a reward model (a
 * {@code *ForSequenceClassification} checkpoint with one label) gives it. The Bradley–Terry judge
 * turns these into pairwise preferences; one call scores the whole group so K rewards cost K
 * forward passes, not K².
 */
public interface RewardScorer extends AutoCloseable {

    /** Rewards of {@code responses} to {@code prompt}, in the same order. */
    double[] rewards(String prompt, List<String> responses);

    @Override
    void close();
}
