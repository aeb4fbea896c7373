package io.sppo4j.model.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import io.sppo4j.model.loss.PairwiseLoss;
import io.sppo4j.model.optim.Optimizer;
import io.sppo4j.model.policy.LanguageModel;
import io.sppo4j.model.scoring.SequenceScorer;

import java.util.ArrayList;
import java.util.List;

/**
 * One step of a pairwise method (DPO, IPO, SLiC, IPO-MD): winners and losers are scored in one
 * forward pass under π_θ and, without gradients, under the frozen π_ref; the loss acts on the
 * margin h = [log π_θ(y_w) − log π_ref(y_w)] − [log π_θ(y_l) − log π_ref(y_l)]. A pair's two
 * rows always share a {@link MicroBatches micro-batch}.
 */
public final class PairwiseUpdate {

    private final LanguageModel policy;
    private final LanguageModel reference;
    private final Optimizer optimizer;
    private final PairwiseLoss loss;
    private final SequenceScorer scorer;
    private final int microBatchTokens;

    /** @param microBatchTokens most padded tokens per forward and backward; 0 for the whole batch at once */
    public PairwiseUpdate(
            LanguageModel policy, LanguageModel reference, Optimizer optimizer, PairwiseLoss loss, int padId,
            int microBatchTokens) {
        this.policy = policy;
        this.reference = reference;
        this.optimizer = optimizer;
        this.loss = loss;
        this.scorer = new SequenceScorer(padId);
        this.microBatchTokens = microBatchTokens;
    }

    public UpdateResult apply(PairBatch batch) {
        int pairs = batch.size();
        if (pairs == 0) {
            return UpdateResult.emptyBatch();
        }
        List<int[]> winnersThenLosers = new ArrayList<>(batch.winners());
        winnersThenLosers.addAll(batch.losers());
        List<MicroBatches.Slice> slices = MicroBatches.split(batch.prompts(), winnersThenLosers, 2, microBatchTokens);
        float[] referenceLogProbs = ReferenceScores.of(reference, scorer, batch.prompts(), winnersThenLosers, slices);
        AccumulatedBackward.Totals totals = AccumulatedBackward.run(policy, pairs, slices, (scope, slice) -> {
            int size = slice.size();
            List<int[]> prompts = slice.repeated(batch.prompts(), 2); // winners' rows, then losers'
            List<int[]> responses = slice.rowsOf(winnersThenLosers, pairs);
            float[] referenceMargin = new float[size];
            for (int i = 0; i < size; i++) {
                int pair = slice.from() + i;
                referenceMargin[i] = referenceLogProbs[pair] - referenceLogProbs[pairs + pair];
            }
            NDArray logPolicy = scorer.score(policy, scope, prompts, responses, true).sequenceLogProbs(); // (2S)
            NDArray policyMargin = logPolicy.get(new NDIndex(":{}", size)).sub(logPolicy.get(new NDIndex("{}:", size)));
            return loss.compute(policyMargin.sub(scope.create(referenceMargin))); // (S)
        });
        return UpdateResult.of(totals, optimizer.step(policy));
    }
}
