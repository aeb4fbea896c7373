package io.sppo4j.model.hf;

import ai.djl.ndarray.NDArray;

/**
 * Softmax attention where groups of query heads share one key/value head (grouped-query
 * attention; a group of one is plain multi-head attention). The groups are formed by reshaping
 * the queries, never by copying keys and values: query head h reads key/value head h / group,
 * transformers' {@code repeat_kv} order.
 */
final class GroupedAttention {

    private GroupedAttention() {}

    /**
     * @param q (B, H, T, hd) queries
     * @param k (B, Hkv, Tk, hd) keys, cached ones included
     * @param v (B, Hkv, Tk, hd) values
     * @param bias (B, 1, T, Tk) additive mask from {@code AttentionMask.bias}
     * @return (B, T, H·hd), heads concatenated
     */
    static NDArray attend(NDArray q, NDArray k, NDArray v, NDArray bias, float scale) {
        long batch = q.getShape().get(0);
        long heads = q.getShape().get(1);
        long steps = q.getShape().get(2);
        long headDim = q.getShape().get(3);
        long kvHeads = k.getShape().get(1);
        long keys = k.getShape().get(2);
        long group = heads / kvHeads;
        NDArray grouped = q.reshape(batch, kvHeads, group * steps, headDim); // (B, Hkv, g·T, hd)
        NDArray scores = grouped.matMul(k.transpose(0, 1, 3, 2)).mul(scale) // (B, Hkv, g·T, Tk)
                .reshape(batch, heads, steps, keys) // (B, H, T, Tk)
                .add(bias);
        NDArray weights = scores.softmax(-1).reshape(batch, kvHeads, group * steps, keys);
        return weights.matMul(v) // (B, Hkv, g·T, hd)
                .reshape(batch, heads, steps, headDim)
                .transpose(0, 2, 1, 3) // (B, T, H, hd)
                .reshape(batch, steps, heads * headDim);
    }
}
