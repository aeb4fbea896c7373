package io.sppo4j.model.train;

import ai.djl.ndarray.NDManager;
import io.sppo4j.model.nd.Autograd;
import io.sppo4j.model.policy.LanguageModel;
import io.sppo4j.model.scoring.SequenceScorer;

import java.util.List;

/** log π_ref(y|x) of a batch under a frozen model, as constants on the host. */
final class ReferenceScores {

    private ReferenceScores() {}

    static float[] of(LanguageModel reference, SequenceScorer scorer, List<int[]> prompts, List<int[]> responses) {
        try (Autograd.Scope inference = Autograd.paused(); NDManager scope = reference.manager().newSubManager()) {
            return scorer.score(reference, scope, prompts, responses, false).sequenceLogProbs().toFloatArray();
        }
    }
}
