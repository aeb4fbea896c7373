package io.sppo4j.model.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.norm.Dropout;
import io.sppo4j.model.policy.KvCache;

import java.util.List;

/** Pre-norm residual block: x + attn(norm₁(x)), then x + mlp(norm₂(x)). */
final class DecoderBlock {

    private final int layer;
    private final Norm attentionNorm;
    private final Attention attention;
    private final Norm mlpNorm;
    private final FeedForward mlp;
    private final float dropout;

    DecoderBlock(ParameterSource source, DecoderConfig config, int layer) {
        this.layer = layer;
        this.dropout = config.dropout();
        boolean gpt2 = config.layout() == DecoderConfig.Layout.GPT2;
        String prefix = config.prefix() + (gpt2 ? "h." : "layers.") + layer + ".";
        attentionNorm = Norm.declare(source, prefix + (gpt2 ? "ln_1" : "input_layernorm"), config);
        attention = new Attention(source, prefix, config);
        mlpNorm = Norm.declare(source, prefix + (gpt2 ? "ln_2" : "post_attention_layernorm"), config);
        mlp = new FeedForward(source, prefix, config);
    }

    /** Appends every array of the block in the order {@link FusedLayers} reads them. */
    void collectArrays(List<NDArray> into) {
        attentionNorm.collectArrays(into);
        attention.collectArrays(into);
        mlpNorm.collectArrays(into);
        mlp.collectArrays(into);
    }

    /** @param x (B, T, D), bias (B, 1, T, Tk) → (B, T, D) */
    NDArray forward(NDArray x, NDArray bias, RotaryEmbedding.Angles angles, KvCache cache, boolean training) {
        NDArray attended = attention.forward(attentionNorm.apply(x), bias, angles, cache, layer, training);
        x = x.add(residualDropout(attended, training));
        return x.add(residualDropout(mlp.apply(mlpNorm.apply(x), training), training));
    }

    private NDArray residualDropout(NDArray x, boolean training) {
        return training && dropout > 0f ? Dropout.dropout(x, dropout, true).singletonOrThrow() : x;
    }
}
