package io.sppo4j.model.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.norm.Dropout;
import io.sppo4j.model.nd.Casts;
import io.sppo4j.model.policy.KvCache;
import io.sppo4j.model.nd.Scalars;

import java.util.List;

/**
 * Causal self-attention with grouped key/value heads (a group of one is plain multi-head
 * attention), optional rotary positions, and either one fused q/k/v projection (GPT-2's
 * {@code c_attn}) or three (Llama's {@code q_proj}, {@code k_proj}, {@code v_proj}); it reads
 * and extends a {@link KvCache} when decoding.
 */
final class Attention {

    private final Projection fused;
    private final Projection query;
    private final Projection key;
    private final Projection value;
    private final Projection output;
    private final int heads;
    private final int kvHeads;
    private final int headDim;
    private final float scale;
    private final float dropout;

    /** @param prefix the block's name prefix, e.g. {@code transformer.h.0.} or {@code model.layers.0.} */
    Attention(ParameterSource source, String prefix, DecoderConfig config) {
        long d = config.hiddenSize();
        heads = config.heads();
        kvHeads = config.kvHeads();
        headDim = config.headDim();
        scale = (float) (1.0 / Math.sqrt(headDim));
        dropout = config.dropout();
        Init residual = Init.residual(config.layers());
        Init weight = Init.normal(Init.STD);
        if (config.layout() == DecoderConfig.Layout.GPT2) {
            fused = Projection.declare(source, prefix + "attn.c_attn", d, config.queryWidth() + 2L * config.kvWidth(),
                    config.qkvBias(), Projection.Layout.IN_OUT, weight);
            query = null;
            key = null;
            value = null;
            output = Projection.declare(source, prefix + "attn.c_proj", config.queryWidth(), d, config.outputBias(),
                    Projection.Layout.IN_OUT, residual);
        } else {
            fused = null;
            String p = prefix + "self_attn.";
            Projection.Layout linear = Projection.Layout.OUT_IN;
            query = Projection.declare(source, p + "q_proj", d, config.queryWidth(), config.qkvBias(), linear, weight);
            key = Projection.declare(source, p + "k_proj", d, config.kvWidth(), config.qkvBias(), linear, weight);
            value = Projection.declare(source, p + "v_proj", d, config.kvWidth(), config.qkvBias(), linear, weight);
            output = Projection.declare(source, p + "o_proj", config.queryWidth(), d, config.outputBias(), linear, residual);
        }
    }

    /** Appends the projections' arrays: q, k, v (or the fused c_attn), then o ({@link FusedLayers}' order). */
    void collectArrays(List<NDArray> into) {
        for (Projection projection : fused != null ? List.of(fused, output) : List.of(query, key, value, output)) {
            projection.collectArrays(into);
        }
    }

    /**
     * @param x (B, T, D) normalised input
     * @param bias (B, 1, T, Tk) additive mask from {@link AttentionMask#bias}, Tk = cached + T
     * @param angles rotary angles of the T new positions, or null for learned positions
     * @param cache the decoding cache, or null for a full (teacher-forced) pass
     * @return (B, T, D)
     */
    NDArray forward(NDArray x, NDArray bias, RotaryEmbedding.Angles angles, KvCache cache, int layer, boolean training) {
        long batch = x.getShape().get(0);
        long steps = x.getShape().get(1);
        NDArray q;
        NDArray k;
        NDArray v;
        if (fused != null) {
            long queryWidth = (long) heads * headDim;
            long kvWidth = (long) kvHeads * headDim;
            NDList parts = fused.apply(x, training).split(new long[] {queryWidth, queryWidth + kvWidth}, 2); // 3 × (B, T, ·)
            q = parts.get(0);
            k = parts.get(1);
            v = parts.get(2);
        } else {
            q = query.apply(x, training); // (B, T, H·hd)
            k = key.apply(x, training); // (B, T, Hkv·hd)
            v = value.apply(x, training);
        }
        q = q.reshape(batch, steps, heads, headDim).transpose(0, 2, 1, 3); // (B, H, T, hd)
        k = k.reshape(batch, steps, kvHeads, headDim).transpose(0, 2, 1, 3); // (B, Hkv, T, hd)
        v = v.reshape(batch, steps, kvHeads, headDim).transpose(0, 2, 1, 3); // (B, Hkv, T, hd)
        if (angles != null) {
            q = RotaryEmbedding.rotate(q, angles);
            k = RotaryEmbedding.rotate(k, angles); // rotated keys are cached, as transformers does
        }
        if (cache != null) {
            NDList history = cache.append(layer, k, v);
            k = history.get(0); // (B, Hkv, Tk, hd)
            v = history.get(1);
        }
        NDArray y = attend(q, k, v, bias, training); // (B, T, H·hd)
        return output.apply(y, training);
    }

    /**
     * Softmax attention where each group of query heads shares one key/value head. The groups are
     * formed by reshaping the queries, never by copying keys and values: query head h reads
     * key/value head h / group, transformers' {@code repeat_kv} order.
     *
     * @param q (B, H, T, hd)
     * @param k (B, Hkv, Tk, hd)
     * @param v (B, Hkv, Tk, hd)
     * @return (B, T, H·hd), heads concatenated
     */
    private NDArray attend(NDArray q, NDArray k, NDArray v, NDArray bias, boolean training) {
        long batch = q.getShape().get(0);
        long steps = q.getShape().get(2);
        long keys = k.getShape().get(2);
        long group = heads / kvHeads;
        NDArray grouped = q.reshape(batch, kvHeads, group * steps, headDim); // (B, Hkv, g·T, hd)
        NDArray scores = Scalars.times(grouped.matMul(k.transpose(0, 1, 3, 2)), scale) // (B, Hkv, g·T, Tk)
                .reshape(batch, heads, steps, keys) // (B, H, T, Tk)
                .add(bias);
        // Softmax in float32: DJL cannot run it on bfloat16, and its sums want the precision anyway.
        NDArray weights = Casts.to(Casts.to(scores, DataType.FLOAT32).softmax(-1), Casts.typeOf(scores));
        if (training && dropout > 0f) {
            weights = Dropout.dropout(weights, dropout, true).singletonOrThrow();
        }
        return weights.reshape(batch, kvHeads, group * steps, keys)
                .matMul(v) // (B, Hkv, g·T, hd)
                .reshape(batch, heads, steps, headDim)
                .transpose(0, 2, 1, 3) // (B, T, H, hd)
                .reshape(batch, steps, (long) heads * headDim);
    }
}
