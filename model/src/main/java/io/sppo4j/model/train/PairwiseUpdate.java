package io.sppo4j.model.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import io.sppo4j.model.loss.LossResult;
import io.sppo4j.model.loss.PairwiseLoss;
import io.sppo4j.model.nd.Autograd;
import io.sppo4j.model.optim.Optimizer;
import io.sppo4j.model.policy.LanguageModel;
import io.sppo4j.model.scoring.SequenceScorer;

import java.util.ArrayList;
import java.util.List;

/**
 * One step of a pairwise method (DPO, IPO, SLiC, IPO-MD): winners and losers are scored in one
 * forward pass under π_θ and, without gradients, under the frozen π_ref; the loss acts on the
 * margin h = [log π_θ(y_w) − log π_ref(y_w)] − [log π_θ(y_l) − log π_ref(y_l)].
 */
public final class PairwiseUpdate {

    private final LanguageModel policy;
    private final LanguageModel reference;
    private final Optimizer optimizer;
    private final PairwiseLoss loss;
    private final SequenceScorer scorer;

    public PairwiseUpdate(LanguageModel policy, LanguageModel reference, Optimizer optimizer, PairwiseLoss loss, int padId) {
        this.policy = policy;
        this.reference = reference;
        this.optimizer = optimizer;
        this.loss = loss;
        this.scorer = new SequenceScorer(padId);
    }

    public UpdateResult apply(PairBatch batch) {
        int pairs = batch.size();
        if (pairs == 0) {
            return UpdateResult.emptyBatch();
        }
        List<int[]> prompts = new ArrayList<>(batch.prompts());
        prompts.addAll(batch.prompts());
        List<int[]> responses = new ArrayList<>(batch.winners());
        responses.addAll(batch.losers());
        float[] referenceLogProbs = ReferenceScores.of(reference, scorer, prompts, responses); // winners, then losers
        float[] referenceMargin = new float[pairs];
        for (int i = 0; i < pairs; i++) {
            referenceMargin[i] = referenceLogProbs[i] - referenceLogProbs[pairs + i];
        }
        double lossValue;
        LossResult result;
        try (NDManager scope = policy.manager().newSubManager()) {
            try (Autograd.Scope recording = Autograd.recording()) {
                NDArray logPolicy = scorer.score(policy, scope, prompts, responses, true).sequenceLogProbs(); // (2P)
                NDArray policyMargin = logPolicy.get(new NDIndex(":{}", pairs)).sub(logPolicy.get(new NDIndex("{}:", pairs)));
                NDArray margins = policyMargin.sub(scope.create(referenceMargin)); // (P)
                result = loss.compute(margins);
                Autograd.backward(result.loss());
                lossValue = result.loss().getFloat();
            }
        }
        return UpdateResult.of(lossValue, result, optimizer.step(policy));
    }
}
