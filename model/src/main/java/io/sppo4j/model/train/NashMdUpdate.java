package io.sppo4j.model.train;

import ai.djl.ndarray.NDManager;
import io.sppo4j.model.loss.LossResult;
import io.sppo4j.model.loss.NashMdLoss;
import io.sppo4j.model.nd.Autograd;
import io.sppo4j.model.optim.Optimizer;
import io.sppo4j.model.policy.LanguageModel;
import io.sppo4j.model.scoring.SequenceScorer;

/**
 * One Nash-MD step: a policy-gradient step on the policy's samples with advantage
 * P(y ≻ y_mix) − ½ against samples of the mixture, penalised by β·KL(π_θ ‖ π_ref).
 */
public final class NashMdUpdate {

    private final LanguageModel policy;
    private final LanguageModel reference;
    private final Optimizer optimizer;
    private final NashMdLoss loss;
    private final SequenceScorer scorer;

    public NashMdUpdate(LanguageModel policy, LanguageModel reference, Optimizer optimizer, NashMdLoss loss, int padId) {
        this.policy = policy;
        this.reference = reference;
        this.optimizer = optimizer;
        this.loss = loss;
        this.scorer = new SequenceScorer(padId);
    }

    public UpdateResult apply(AdvantageBatch batch) {
        if (batch.size() == 0) {
            return UpdateResult.emptyBatch();
        }
        float[] referenceLogProbs = ReferenceScores.of(reference, scorer, batch.prompts(), batch.responses());
        double lossValue;
        LossResult result;
        try (NDManager scope = policy.manager().newSubManager()) {
            try (Autograd.Scope recording = Autograd.recording()) {
                var logPolicy = scorer.score(policy, scope, batch.prompts(), batch.responses(), true).sequenceLogProbs();
                result = loss.compute(logPolicy, referenceLogProbs, batch.advantages());
                Autograd.backward(result.loss());
                lossValue = result.loss().getFloat();
            }
        }
        return UpdateResult.of(lossValue, result, optimizer.step(policy));
    }
}
