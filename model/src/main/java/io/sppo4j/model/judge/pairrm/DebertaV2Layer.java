package io.sppo4j.model.judge.pairrm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import io.sppo4j.model.hf.HfTensorDirectory;

/**
 * One DeBERTa-v2 layer ({@code encoder.layer.N}): disentangled self-attention, then a GELU MLP,
 * each closed by a residual LayerNorm (post-norm, as BERT). Follows transformers'
 * {@code DebertaV2Layer} and {@code DisentangledSelfAttention} ({@code modeling_deberta_v2.py}).
 *
 * <p>Attention scores are the sum of three terms, all divided by √(headDim · (1 + terms)):
 * content→content {@code q_i·k_j}, content→position {@code q_i·K^r[c2p(i, j)]} and
 * position→content {@code k_j·Q^r[p2c(j, i)]}, where K^r and Q^r are the relative embeddings
 * projected by this layer's key and query projections ({@code share_att_key}) or by its own
 * {@code pos_key_proj} / {@code pos_query_proj}. Those projections depend on no input, so they
 * are computed once at load; the scale is folded into the queries and into Q^r.
 *
 * <p>Every intermediate array lives in a scope of the layer's own, so a forward pass holds one
 * layer's activations at a time, not 24 layers' worth.
 */
final class DebertaV2Layer {

    private final DebertaV2Config config;
    private final NDArray queryWeight;
    private final NDArray queryBias;
    private final NDArray keyWeight;
    private final NDArray keyBias;
    private final NDArray valueWeight;
    private final NDArray valueBias;
    /** (1, H, hd, 2·span) relative keys, transposed for q·Kᵀ; null without c2p. */
    private final NDArray relativeKeys;
    /** (1, H, hd, 2·span) relative queries divided by the scale; null without p2c. */
    private final NDArray relativeQueries;
    private final NDArray attentionOutWeight;
    private final NDArray attentionOutBias;
    private final NDArray attentionNormWeight;
    private final NDArray attentionNormBias;
    private final NDArray intermediateWeight;
    private final NDArray intermediateBias;
    private final NDArray outputWeight;
    private final NDArray outputBias;
    private final NDArray outputNormWeight;
    private final NDArray outputNormBias;

    /**
     * @param relativeEmbeddings (2·span, D) the encoder's relative embeddings, normalised when
     *     {@code norm_rel_ebd} says so; null without relative attention
     */
    DebertaV2Layer(DebertaV2Config config, HfTensorDirectory tensors, String prefix, NDManager owner, DataType dtype,
            NDArray relativeEmbeddings) {
        this.config = config;
        long d = config.hiddenSize();
        long inner = config.intermediateSize();
        String attention = prefix + "attention.self.";
        queryWeight = tensors.take(attention + "query_proj.weight", owner, dtype, d, d);
        queryBias = tensors.take(attention + "query_proj.bias", owner, dtype, d);
        keyWeight = tensors.take(attention + "key_proj.weight", owner, dtype, d, d);
        keyBias = tensors.take(attention + "key_proj.bias", owner, dtype, d);
        valueWeight = tensors.take(attention + "value_proj.weight", owner, dtype, d, d);
        valueBias = tensors.take(attention + "value_proj.bias", owner, dtype, d);
        boolean relative = config.usesRelativeTerms();
        relativeKeys = relative && config.contentToPosition()
                ? projectRelative(tensors, attention + "pos_key_proj.", keyWeight, keyBias, relativeEmbeddings, owner, dtype, 1)
                : null;
        relativeQueries = relative && config.positionToContent()
                ? projectRelative(tensors, attention + "pos_query_proj.", queryWeight, queryBias, relativeEmbeddings, owner,
                        dtype, 1 / config.scale())
                : null;
        attentionOutWeight = tensors.take(prefix + "attention.output.dense.weight", owner, dtype, d, d);
        attentionOutBias = tensors.take(prefix + "attention.output.dense.bias", owner, dtype, d);
        attentionNormWeight = tensors.take(prefix + "attention.output.LayerNorm.weight", owner, dtype, d);
        attentionNormBias = tensors.take(prefix + "attention.output.LayerNorm.bias", owner, dtype, d);
        intermediateWeight = tensors.take(prefix + "intermediate.dense.weight", owner, dtype, inner, d);
        intermediateBias = tensors.take(prefix + "intermediate.dense.bias", owner, dtype, inner);
        outputWeight = tensors.take(prefix + "output.dense.weight", owner, dtype, d, inner);
        outputBias = tensors.take(prefix + "output.dense.bias", owner, dtype, d);
        outputNormWeight = tensors.take(prefix + "output.LayerNorm.weight", owner, dtype, d);
        outputNormBias = tensors.take(prefix + "output.LayerNorm.bias", owner, dtype, d);
    }

    /**
     * The relative embeddings through a projection, laid out for a batched matmul with (B, H, T,
     * hd) content: {@code share_att_key} reuses the content projection, otherwise the layer's own
     * {@code pos_*_proj} is read (and let go once used, as nothing else needs it).
     *
     * @return (1, H, hd, 2·span) owned by {@code owner}
     */
    private NDArray projectRelative(HfTensorDirectory tensors, String ownPrefix, NDArray sharedWeight, NDArray sharedBias,
            NDArray relativeEmbeddings, NDManager owner, DataType dtype, double scale) {
        long d = config.hiddenSize();
        long rows = 2L * config.attentionSpan();
        try (NDManager scope = owner.newSubManager()) {
            NDArray weight = sharedWeight;
            NDArray bias = sharedBias;
            if (!config.shareAttentionKey()) {
                weight = tensors.take(ownPrefix + "weight", scope, dtype, d, d);
                bias = tensors.take(ownPrefix + "bias", scope, dtype, d);
            }
            NDArray input = relativeEmbeddings.duplicate(); // a copy in this scope, so results land here too
            input.attach(scope);
            NDArray projected = Linear.linear(input, weight, bias).singletonOrThrow() // (2·span, D)
                    .mul(scale)
                    .reshape(rows, config.heads(), config.headDim()) // (2·span, H, hd)
                    .transpose(1, 2, 0) // (H, hd, 2·span)
                    .reshape(1, config.heads(), config.headDim(), rows) // (1, H, hd, 2·span)
                    .duplicate(); // contiguous, and free of the intermediates' storage
            projected.attach(owner);
            return projected;
        }
    }

    /**
     * @param x (B, T, D) the previous layer's output; it is freed here, as nothing else reads it
     * @param maskBias (B, 1, 1, T) 0 at real keys, a large negative number at padding
     * @param c2pIndex (B, H, T, T) view of the c2p indices over (query, key); null without c2p
     * @param p2cIndex (B, H, T, T) view of the p2c indices over (key, query); null without p2c
     * @return (B, T, D) owned by x's former manager
     */
    NDArray forward(NDArray x, NDArray maskBias, NDArray c2pIndex, NDArray p2cIndex) {
        NDManager parent = x.getManager();
        try (NDManager scope = parent.newSubManager()) {
            x.attach(scope);
            NDArray attended = attention(x, maskBias, c2pIndex, p2cIndex);
            NDArray attentionOut = layerNorm(
                    Linear.linear(attended, attentionOutWeight, attentionOutBias).singletonOrThrow().addi(x),
                    attentionNormWeight, attentionNormBias); // (B, T, D)
            NDArray inner = Activation.gelu(Linear.linear(attentionOut, intermediateWeight, intermediateBias).singletonOrThrow());
            NDArray out = layerNorm(
                    Linear.linear(inner, outputWeight, outputBias).singletonOrThrow().addi(attentionOut),
                    outputNormWeight, outputNormBias); // (B, T, D)
            out.attach(parent);
            return out;
        }
    }

    /** (B, T, D) → (B, T, D): the heads' weighted values, concatenated. */
    private NDArray attention(NDArray x, NDArray maskBias, NDArray c2pIndex, NDArray p2cIndex) {
        Shape shape = x.getShape();
        long batch = shape.get(0);
        long steps = shape.get(1);
        NDArray q = heads(Linear.linear(x, queryWeight, queryBias).singletonOrThrow(), batch, steps)
                .div(config.scale()); // (B, H, T, hd), pre-scaled
        NDArray k = heads(Linear.linear(x, keyWeight, keyBias).singletonOrThrow(), batch, steps); // (B, H, T, hd)
        NDArray v = heads(Linear.linear(x, valueWeight, valueBias).singletonOrThrow(), batch, steps); // (B, H, T, hd)
        NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)); // (B, H, T, T) content→content
        if (relativeKeys != null) {
            try (NDArray all = q.matMul(relativeKeys); // (B, H, T, 2·span): query i against every relative key
                    NDArray picked = all.gather(c2pIndex, 3)) { // (B, H, T, T) the key at distance c2p(i, j)
                scores.addi(picked);
            }
        }
        if (relativeQueries != null) {
            try (NDArray all = k.matMul(relativeQueries); // (B, H, T, 2·span): key j against every relative query
                    NDArray picked = all.gather(p2cIndex, 3)) { // (B, H, T_key, T_query)
                scores.addi(picked.transpose(0, 1, 3, 2)); // (B, H, T_query, T_key)
            }
        }
        scores.addi(maskBias);
        NDArray weights = scores.softmax(3); // (B, H, T, T)
        scores.close();
        return weights.matMul(v) // (B, H, T, hd)
                .transpose(0, 2, 1, 3) // (B, T, H, hd)
                .reshape(batch, steps, config.hiddenSize()); // (B, T, D)
    }

    /** (B, T, D) → (B, H, T, hd) */
    private NDArray heads(NDArray projected, long batch, long steps) {
        return projected.reshape(batch, steps, config.heads(), config.headDim()).transpose(0, 2, 1, 3);
    }

    private NDArray layerNorm(NDArray x, NDArray weight, NDArray bias) {
        return LayerNorm.layerNorm(x, new Shape(config.hiddenSize()), weight, bias, (float) config.layerNormEps())
                .singletonOrThrow();
    }
}
