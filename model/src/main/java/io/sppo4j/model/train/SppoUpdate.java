package io.sppo4j.model.train;

import ai.djl.ndarray.NDManager;
import io.sppo4j.model.loss.LossResult;
import io.sppo4j.model.loss.SppoLoss;
import io.sppo4j.model.nd.Autograd;
import io.sppo4j.model.optim.Optimizer;
import io.sppo4j.model.policy.LanguageModel;
import io.sppo4j.model.scoring.SequenceScorer;

/**
 * One SPPO step on a batch of judged samples: score the responses under π_θ, regress the
 * log-ratio to π_t onto η(p̂ − ½), backpropagate and let the optimiser update the policy.
 */
public final class SppoUpdate {

    private final LanguageModel policy;
    private final Optimizer optimizer;
    private final SppoLoss loss;
    private final SequenceScorer scorer;

    public SppoUpdate(LanguageModel policy, Optimizer optimizer, SppoLoss loss, int padId) {
        this.policy = policy;
        this.optimizer = optimizer;
        this.loss = loss;
        this.scorer = new SequenceScorer(padId);
    }

    public UpdateResult apply(PreferenceBatch batch) {
        if (batch.size() == 0) {
            return UpdateResult.emptyBatch();
        }
        double lossValue;
        LossResult result;
        try (NDManager scope = policy.manager().newSubManager()) {
            try (Autograd.Scope recording = Autograd.recording()) {
                var logPolicy = scorer.score(policy, scope, batch.prompts(), batch.responses(), true).sequenceLogProbs();
                result = loss.compute(logPolicy, batch.samplerLogProbs(), batch.winRates());
                Autograd.backward(result.loss());
                lossValue = result.loss().getFloat();
            }
        }
        return UpdateResult.of(lossValue, result, optimizer.step(policy));
    }
}
