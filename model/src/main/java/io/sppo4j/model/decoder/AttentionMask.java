package io.sppo4j.model.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import io.sppo4j.model.nd.Casts;

/**
 * Additive attention bias and position ids for left-padded batches.
 *
 * <p>A key is visible to a query when it is a real token (key mask 1) and not in the query's
 * future. Hidden keys get a large finite negative bias rather than -inf: after softmax's max
 * subtraction it underflows to exactly 0, and a query whose keys are all hidden (a padding
 * position) gets finite uniform weights instead of NaNs that would leak into later layers.
 */
public final class AttentionMask {

    static final float HIDDEN = -1e9f;

    private AttentionMask() {}

    /**
     * @param keyMask (B, Tk) int64, 1 for real tokens, 0 for padding; covers cached and new positions
     * @param queries number of new positions T (the last T of the Tk keys)
     * @param dtype the type attention scores are computed in (-1e9 is representable in bfloat16 too)
     * @return (B, 1, T, Tk) bias to add to attention scores
     */
    public static NDArray bias(NDArray keyMask, int queries, DataType dtype) {
        NDManager manager = keyMask.getManager();
        long batch = keyMask.getShape().get(0);
        long keys = keyMask.getShape().get(1);
        long offset = keys - queries;
        NDArray keyIndex = manager.arange(0, keys, 1, DataType.INT64).reshape(1, keys); // (1, Tk)
        NDArray queryIndex =
                manager.arange(offset, keys, 1, DataType.INT64).reshape(queries, 1); // (T, 1)
        NDArray causal = keyIndex.lte(queryIndex).toType(DataType.FLOAT32, false); // (T, Tk)
        NDArray real = keyMask.toType(DataType.FLOAT32, false).reshape(batch, 1, 1, keys); // (B, 1, 1, Tk)
        NDArray visible = real.mul(causal.reshape(1, 1, queries, keys)); // (B, 1, T, Tk)
        return Casts.to(visible.sub(1f).mul(-HIDDEN), dtype); // 0 where visible, HIDDEN elsewhere
    }

    /**
     * Position of each of the last {@code queries} tokens: the number of real tokens before it,
     * so left padding does not shift positions.
     *
     * @param keyMask (B, Tk) int64
     * @return (B, T) int64
     */
    public static NDArray positions(NDArray keyMask, int queries) {
        long keys = keyMask.getShape().get(1);
        NDArray counts = keyMask.cumSum(1).sub(1).maximum(0); // (B, Tk)
        return counts.get(new NDIndex(":, {}:", keys - queries));
    }
}
