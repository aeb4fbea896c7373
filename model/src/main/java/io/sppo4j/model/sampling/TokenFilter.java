package io.sppo4j.model.sampling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;

/** Top-k and nucleus (top-p) truncation: removed tokens get logit −∞, hence probability 0. */
final class TokenFilter {

    private TokenFilter() {}

    /** @param logits (B, V), already divided by the temperature → (B, V) */
    static NDArray apply(NDArray logits, int topK, float topP) {
        long vocab = logits.getShape().get(1);
        NDArray filtered = logits;
        if (topK > 0 && topK < vocab) {
            NDArray kth = filtered.topK(topK, -1, true, true).get(0).get(new NDIndex(":, -1:")); // (B, 1)
            filtered = hide(filtered, filtered.gte(kth));
        }
        if (topP < 1f) {
            NDArray probs = filtered.softmax(-1); // (B, V)
            NDArray sorted = probs.topK(Math.toIntExact(vocab), -1, true, true).get(0); // (B, V) descending
            NDArray before = sorted.cumSum(1).sub(sorted); // mass strictly ahead of each token
            NDArray kept = before.lt(topP).toType(DataType.INT64, false).sum(new int[] {1}, true); // (B, 1) >= 1
            NDArray threshold = sorted.gather(kept.sub(1), 1); // (B, 1) smallest kept probability
            filtered = hide(filtered, probs.gte(threshold));
        }
        return filtered;
    }

    private static NDArray hide(NDArray logits, NDArray keep) {
        NDArray hidden = logits.getManager().create(Float.NEGATIVE_INFINITY);
        return NDArrays.where(keep, logits, hidden);
    }
}
