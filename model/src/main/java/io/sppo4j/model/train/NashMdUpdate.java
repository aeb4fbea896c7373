package io.sppo4j.model.train;

import io.sppo4j.model.loss.NashMdLoss;
import io.sppo4j.model.optim.Optimizer;
import io.sppo4j.model.policy.LanguageModel;
import io.sppo4j.model.scoring.SequenceScorer;

import java.util.List;

/**
 * One Nash-MD step: a policy-gradient step on the policy's samples with advantage
 * P(y ≻ y_mix) − ½ against samples of the mixture, penalised by β·KL(π_θ ‖ π_ref). The forward
 * and backward run one {@link MicroBatches micro-batch} at a time.
 */
public final class NashMdUpdate {

    private final LanguageModel policy;
    private final LanguageModel reference;
    private final Optimizer optimizer;
    private final NashMdLoss loss;
    private final SequenceScorer scorer;
    private final int microBatchTokens;

    /** @param microBatchTokens most padded tokens per forward and backward; 0 for the whole batch at once */
    public NashMdUpdate(
            LanguageModel policy, LanguageModel reference, Optimizer optimizer, NashMdLoss loss, int padId, int microBatchTokens) {
        this.policy = policy;
        this.reference = reference;
        this.optimizer = optimizer;
        this.loss = loss;
        this.scorer = new SequenceScorer(padId);
        this.microBatchTokens = microBatchTokens;
    }

    public UpdateResult apply(AdvantageBatch batch) {
        if (batch.size() == 0) {
            return UpdateResult.emptyBatch();
        }
        List<MicroBatches.Slice> slices = MicroBatches.split(batch.prompts(), batch.responses(), 1, microBatchTokens);
        float[] referenceLogProbs = ReferenceScores.of(reference, scorer, batch.prompts(), batch.responses(), slices);
        AccumulatedBackward.Totals totals = AccumulatedBackward.run(policy, batch.size(), slices, (scope, slice) -> {
            var logPolicy = scorer.score(policy, scope, slice.of(batch.prompts()), slice.of(batch.responses()), true)
                    .sequenceLogProbs();
            return loss.compute(logPolicy, slice.of(referenceLogProbs), slice.of(batch.advantages()));
        });
        return UpdateResult.of(totals, optimizer.step(policy));
    }
}
