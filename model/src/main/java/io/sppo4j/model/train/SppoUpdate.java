package io.sppo4j.model.train;

import io.sppo4j.model.loss.SppoLoss;
import io.sppo4j.model.optim.Optimizer;
import io.sppo4j.model.policy.LanguageModel;
import io.sppo4j.model.scoring.SequenceScorer;

import java.util.List;

/**
 * One SPPO step on a batch of judged samples: score the responses under π_θ, regress the
 * log-ratio to π_t onto η(p̂ − ½), backpropagate and let the optimiser update the policy. The
 * forward and backward run one {@link MicroBatches micro-batch} at a time.
 */
public final class SppoUpdate {

    private final LanguageModel policy;
    private final Optimizer optimizer;
    private final SppoLoss loss;
    private final SequenceScorer scorer;
    private final int microBatchTokens;

    /** @param microBatchTokens most padded tokens per forward and backward; 0 for the whole batch at once */
    public SppoUpdate(LanguageModel policy, Optimizer optimizer, SppoLoss loss, int padId, int microBatchTokens) {
        this.policy = policy;
        this.optimizer = optimizer;
        this.loss = loss;
        this.scorer = new SequenceScorer(padId);
        this.microBatchTokens = microBatchTokens;
    }

    public UpdateResult apply(PreferenceBatch batch) {
        if (batch.size() == 0) {
            return UpdateResult.emptyBatch();
        }
        List<MicroBatches.Slice> slices = MicroBatches.split(batch.prompts(), batch.responses(), 1, microBatchTokens);
        AccumulatedBackward.Totals totals = AccumulatedBackward.run(policy, batch.size(), slices, (scope, slice) -> {
            var logPolicy = scorer.score(policy, scope, slice.of(batch.prompts()), slice.of(batch.responses()), true)
                    .sequenceLogProbs();
            return loss.compute(logPolicy, slice.of(batch.samplerLogProbs()), slice.of(batch.winRates()));
        });
        return UpdateResult.of(totals, optimizer.step(policy));
    }
}
