package io.sppo4j.model.hf;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.LayerNorm;
import io.sppo4j.model.policy.AttentionMask;
import io.sppo4j.model.policy.KvCache;

import java.util.ArrayList;
import java.util.List;

/**
 * GPT-2's decoder as transformers names it ({@code transformer.h.0.attn.c_attn.weight}): token
 * and learned position embeddings, pre-LayerNorm blocks of fused-q/k/v attention and a
 * tanh-GELU MLP, a final LayerNorm. Its projections are {@code Conv1D}s, whose weights are
 * stored (in, out), so they multiply as x·W rather than x·Wᵀ.
 */
final class Gpt2Decoder extends HfDecoder {

    private static final float SQRT_2_OVER_PI = (float) Math.sqrt(2 / Math.PI);

    private record Layer(
            Parameter ln1Weight, Parameter ln1Bias,
            Parameter attnWeight, Parameter attnBias,
            Parameter attnProjWeight, Parameter attnProjBias,
            Parameter ln2Weight, Parameter ln2Bias,
            Parameter fcWeight, Parameter fcBias,
            Parameter mlpProjWeight, Parameter mlpProjBias) {}

    private final Gpt2Config config;
    private final float scale;
    private final Parameter wte;
    private final Parameter wpe;
    private final List<Layer> layers = new ArrayList<>();
    private final Parameter lnFWeight;
    private final Parameter lnFBias;

    Gpt2Decoder(Gpt2Config config, HfParameters parameters, String prefix) {
        super(Dimensions.of(config));
        this.config = config;
        this.scale = (float) (1.0 / Math.sqrt(config.headDim()));
        long d = config.width();
        long inner = config.innerSize();
        wte = parameters.load(prefix + "wte.weight", config.vocabSize(), d);
        wpe = parameters.load(prefix + "wpe.weight", config.contextLength(), d);
        for (int i = 0; i < config.layers(); i++) {
            String p = prefix + "h." + i + ".";
            layers.add(new Layer(
                    parameters.load(p + "ln_1.weight", d),
                    parameters.load(p + "ln_1.bias", d),
                    parameters.load(p + "attn.c_attn.weight", d, 3 * d),
                    parameters.load(p + "attn.c_attn.bias", 3 * d),
                    parameters.load(p + "attn.c_proj.weight", d, d),
                    parameters.load(p + "attn.c_proj.bias", d),
                    parameters.load(p + "ln_2.weight", d),
                    parameters.load(p + "ln_2.bias", d),
                    parameters.load(p + "mlp.c_fc.weight", d, inner),
                    parameters.load(p + "mlp.c_fc.bias", inner),
                    parameters.load(p + "mlp.c_proj.weight", inner, d),
                    parameters.load(p + "mlp.c_proj.bias", d)));
        }
        lnFWeight = parameters.load(prefix + "ln_f.weight", d);
        lnFBias = parameters.load(prefix + "ln_f.bias", d);
    }

    @Override
    Parameter tokenEmbedding() {
        return wte;
    }

    @Override
    CacheShape cacheShape() {
        return new CacheShape(config.layers(), config.heads(), config.headDim());
    }

    @Override
    NDArray run(NDArray tokens, NDArray keyMask, KvCache cache, int steps) {
        NDArray bias = AttentionMask.bias(keyMask, steps); // (B, 1, T, Tk)
        NDArray positions = AttentionMask.positions(keyMask, steps); // (B, T)
        NDArray x = embed(tokens, wte).add(embed(positions, wpe)); // (B, T, D)
        for (int i = 0; i < layers.size(); i++) {
            Layer layer = layers.get(i);
            x = x.add(attention(i, layer, layerNorm(x, layer.ln1Weight(), layer.ln1Bias()), bias, cache));
            x = x.add(mlp(layer, layerNorm(x, layer.ln2Weight(), layer.ln2Bias())));
        }
        return layerNorm(x, lnFWeight, lnFBias);
    }

    /** @param h (B, T, D) normalised input → (B, T, D) */
    private NDArray attention(int index, Layer layer, NDArray h, NDArray bias, KvCache cache) {
        long batch = h.getShape().get(0);
        long steps = h.getShape().get(1);
        NDArray split = conv1d(h, layer.attnWeight(), layer.attnBias()) // (B, T, 3D)
                .reshape(batch, steps, 3, config.heads(), config.headDim())
                .transpose(2, 0, 3, 1, 4); // (3, B, H, T, hd)
        NDArray q = split.get(0);
        NDArray k = split.get(1);
        NDArray v = split.get(2);
        if (cache != null) {
            NDList history = cache.append(index, k, v);
            k = history.get(0); // (B, H, Tk, hd)
            v = history.get(1);
        }
        NDArray y = GroupedAttention.attend(q, k, v, bias, scale); // (B, T, D)
        return conv1d(y, layer.attnProjWeight(), layer.attnProjBias());
    }

    /** c_proj(gelu_new(c_fc(h))); (B, T, D) → (B, T, D) */
    private NDArray mlp(Layer layer, NDArray h) {
        NDArray hidden = conv1d(h, layer.fcWeight(), layer.fcBias()); // (B, T, inner)
        return conv1d(geluNew(hidden), layer.mlpProjWeight(), layer.mlpProjBias());
    }

    /** GPT-2's GELU: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). */
    static NDArray geluNew(NDArray x) {
        NDArray inner = x.add(x.pow(3).mul(0.044715f)).mul(SQRT_2_OVER_PI);
        return x.mul(inner.tanh().add(1f)).mul(0.5f);
    }

    /** x·W + b for a Conv1D weight stored (in, out). */
    private static NDArray conv1d(NDArray x, Parameter weight, Parameter bias) {
        return x.matMul(weight.getArray()).add(bias.getArray());
    }

    private NDArray layerNorm(NDArray x, Parameter weight, Parameter bias) {
        return LayerNorm.layerNorm(x, new Shape(config.width()), weight.getArray(), bias.getArray(),
                (float) config.layerNormEps()).singletonOrThrow();
    }
}
