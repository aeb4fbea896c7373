package io.sppo4j.model.train;

import ai.djl.ndarray.NDManager;
import io.sppo4j.model.nd.Autograd;
import io.sppo4j.model.policy.LanguageModel;
import io.sppo4j.model.scoring.SequenceScorer;

import java.util.List;

/** log π_ref(y|x) of a batch under a frozen model, as constants on the host. */
final class ReferenceScores {

    private ReferenceScores() {}

    /**
     * Scores item i's rows {@code responses[r * items + i]} (r below {@code responses / prompts}),
     * one slice of items per pass as the learner's forward does; returned in the responses' order.
     */
    static float[] of(
            LanguageModel reference, SequenceScorer scorer, List<int[]> prompts, List<int[]> responses,
            List<MicroBatches.Slice> slices) {
        int items = prompts.size();
        int rows = responses.size() / items;
        float[] scores = new float[responses.size()];
        for (MicroBatches.Slice slice : slices) {
            List<int[]> slicePrompts = slice.repeated(prompts, rows);
            List<int[]> sliceResponses = slice.rowsOf(responses, items);
            float[] sliceScores;
            try (Autograd.Scope inference = Autograd.paused(); NDManager scope = reference.manager().newSubManager()) {
                sliceScores = scorer.score(reference, scope, slicePrompts, sliceResponses, false).sequenceLogProbs().toFloatArray();
            }
            for (int row = 0; row < rows; row++) {
                System.arraycopy(sliceScores, row * slice.size(), scores, row * items + slice.from(), slice.size());
            }
        }
        return scores;
    }
}
