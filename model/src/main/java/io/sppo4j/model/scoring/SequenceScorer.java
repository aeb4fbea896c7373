package io.sppo4j.model.scoring;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import io.sppo4j.model.policy.LanguageModel;
import io.sppo4j.model.sampling.TokenBatch;

import java.util.List;

/**
 * Teacher-forced log-probabilities of responses given prompts, in one batched forward pass.
 *
 * <p>Differentiable: run it inside {@code Autograd.recording()} and backpropagate through the
 * result. Prompt tokens and padding are masked out; the EOS that ends a response is scored.
 */
public final class SequenceScorer {

    private final int pad;

    public SequenceScorer(int pad) {
        this.pad = pad;
    }

    /**
     * @param manager owns every array created here, the results included
     * @param prompts token ids, each starting with BOS
     * @param responses token ids to score, one per prompt
     * @param training enables dropout
     */
    public Scores score(
            LanguageModel model, NDManager manager, List<int[]> prompts, List<int[]> responses, boolean training) {
        if (prompts.size() != responses.size()) {
            throw new IllegalArgumentException(prompts.size() + " prompts but " + responses.size() + " responses");
        }
        int promptWidth = TokenBatch.maxLength(prompts);
        int responseWidth = Math.max(1, TokenBatch.maxLength(responses));
        if (promptWidth + responseWidth > model.contextLength()) {
            throw new IllegalArgumentException(
                    "prompt of " + promptWidth + " + response of " + responseWidth
                            + " tokens exceeds the context length " + model.contextLength());
        }
        TokenBatch.Padded batch = TokenBatch.layout(manager, prompts, responses, promptWidth, responseWidth, pad);
        // The logits at position t predict token t + 1: response tokens are predicted from the
        // last prompt position through the second-to-last response position.
        NDArray logits = model.positionLogits(batch.tokens(), batch.mask(), training,
                promptWidth - 1, promptWidth + responseWidth - 1); // (B, Tr, V)
        NDIndex responseColumns = new NDIndex(":, {}:", promptWidth);
        NDArray logProbs = logits.logSoftmax(-1); // (B, Tr, V)
        NDArray targets = batch.tokens().get(responseColumns); // (B, Tr)
        NDArray mask = batch.mask().get(responseColumns).toType(DataType.FLOAT32, false); // (B, Tr)
        NDArray tokenLogProbs = logProbs.gather(targets.expandDims(2), 2).squeeze(2).mul(mask); // (B, Tr)
        return new Scores(tokenLogProbs, mask, tokenLogProbs.sum(new int[] {1}));
    }

    /**
     * @param tokenLogProbs (B, Tr) per response token, 0 at padding
     * @param mask (B, Tr) 1 at response tokens
     * @param sequenceLogProbs (B) log π(y | x)
     */
    public record Scores(NDArray tokenLogProbs, NDArray mask, NDArray sequenceLogProbs) {

        /** Number of scored tokens, as a float scalar array (for per-token averages). */
        public NDArray tokenCount() {
            return mask.sum();
        }
    }
}
