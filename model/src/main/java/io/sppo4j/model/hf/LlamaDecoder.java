package io.sppo4j.model.hf;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import io.sppo4j.model.policy.AttentionMask;
import io.sppo4j.model.policy.KvCache;

import java.util.ArrayList;
import java.util.List;

/**
 * The decoder of Llama, Qwen2 and Mistral: token embedding, pre-norm blocks of RMSNorm →
 * grouped-query attention with rotary positions → residual, RMSNorm → SwiGLU MLP → residual,
 * and a final RMSNorm. Tensor names follow transformers ({@code model.layers.0.self_attn.q_proj.weight}).
 *
 * <p>Mistral's (and Qwen2's optional) sliding window is not applied: {@link LlamaConfig#contextLength()}
 * caps sequences at the window, where it changes nothing.
 */
final class LlamaDecoder extends HfDecoder {

    /** One block's weights; biases are null where the architecture has none. */
    private record Layer(
            Parameter inputNorm,
            Parameter q, Parameter qBias,
            Parameter k, Parameter kBias,
            Parameter v, Parameter vBias,
            Parameter o, Parameter oBias,
            Parameter postAttentionNorm,
            Parameter gate, Parameter gateBias,
            Parameter up, Parameter upBias,
            Parameter down, Parameter downBias) {}

    private final LlamaConfig config;
    private final float scale;
    private final Parameter embedTokens;
    private final List<Layer> layers = new ArrayList<>();
    private final Parameter finalNorm;

    LlamaDecoder(LlamaConfig config, HfParameters parameters, String prefix) {
        super(Dimensions.of(config));
        this.config = config;
        this.scale = (float) (1.0 / Math.sqrt(config.headDim()));
        long d = config.hiddenSize();
        long qWidth = (long) config.heads() * config.headDim();
        long kvWidth = (long) config.kvHeads() * config.headDim();
        long ff = config.intermediateSize();
        embedTokens = parameters.load(prefix + "embed_tokens.weight", config.vocabSize(), d);
        for (int i = 0; i < config.layers(); i++) {
            String p = prefix + "layers." + i + ".";
            boolean qkvBias = config.qkvBias();
            boolean mlpBias = config.mlpBias();
            layers.add(new Layer(
                    parameters.load(p + "input_layernorm.weight", d),
                    parameters.load(p + "self_attn.q_proj.weight", qWidth, d),
                    parameters.loadIf(qkvBias, p + "self_attn.q_proj.bias", qWidth),
                    parameters.load(p + "self_attn.k_proj.weight", kvWidth, d),
                    parameters.loadIf(qkvBias, p + "self_attn.k_proj.bias", kvWidth),
                    parameters.load(p + "self_attn.v_proj.weight", kvWidth, d),
                    parameters.loadIf(qkvBias, p + "self_attn.v_proj.bias", kvWidth),
                    parameters.load(p + "self_attn.o_proj.weight", d, qWidth),
                    parameters.loadIf(config.outputBias(), p + "self_attn.o_proj.bias", d),
                    parameters.load(p + "post_attention_layernorm.weight", d),
                    parameters.load(p + "mlp.gate_proj.weight", ff, d),
                    parameters.loadIf(mlpBias, p + "mlp.gate_proj.bias", ff),
                    parameters.load(p + "mlp.up_proj.weight", ff, d),
                    parameters.loadIf(mlpBias, p + "mlp.up_proj.bias", ff),
                    parameters.load(p + "mlp.down_proj.weight", d, ff),
                    parameters.loadIf(mlpBias, p + "mlp.down_proj.bias", d)));
        }
        finalNorm = parameters.load(prefix + "norm.weight", d);
    }

    @Override
    Parameter tokenEmbedding() {
        return embedTokens;
    }

    @Override
    CacheShape cacheShape() {
        return new CacheShape(config.layers(), config.kvHeads(), config.headDim());
    }

    @Override
    NDArray run(NDArray tokens, NDArray keyMask, KvCache cache, int steps) {
        NDArray bias = AttentionMask.bias(keyMask, steps); // (B, 1, T, Tk)
        NDArray[] angles = config.rotary().angles(AttentionMask.positions(keyMask, steps)); // 2 × (B, 1, T, hd)
        NDArray x = embed(tokens, embedTokens); // (B, T, D)
        for (int i = 0; i < layers.size(); i++) {
            Layer layer = layers.get(i);
            x = x.add(attention(i, layer, rmsNorm(x, layer.inputNorm()), bias, angles, cache));
            x = x.add(mlp(layer, rmsNorm(x, layer.postAttentionNorm())));
        }
        return rmsNorm(x, finalNorm);
    }

    /** @param h (B, T, D) normalised input → (B, T, D) */
    private NDArray attention(int index, Layer layer, NDArray h, NDArray bias, NDArray[] angles, KvCache cache) {
        long batch = h.getShape().get(0);
        long steps = h.getShape().get(1);
        int headDim = config.headDim();
        NDArray q = linear(h, layer.q(), layer.qBias())
                .reshape(batch, steps, config.heads(), headDim).transpose(0, 2, 1, 3); // (B, H, T, hd)
        NDArray k = linear(h, layer.k(), layer.kBias())
                .reshape(batch, steps, config.kvHeads(), headDim).transpose(0, 2, 1, 3); // (B, Hkv, T, hd)
        NDArray v = linear(h, layer.v(), layer.vBias())
                .reshape(batch, steps, config.kvHeads(), headDim).transpose(0, 2, 1, 3); // (B, Hkv, T, hd)
        q = RotaryEmbedding.rotate(q, angles[0], angles[1]);
        k = RotaryEmbedding.rotate(k, angles[0], angles[1]);
        if (cache != null) {
            NDList history = cache.append(index, k, v); // rotated keys are cached, as transformers does
            k = history.get(0); // (B, Hkv, Tk, hd)
            v = history.get(1);
        }
        NDArray y = GroupedAttention.attend(q, k, v, bias, scale); // (B, T, H·hd)
        return linear(y, layer.o(), layer.oBias());
    }

    /** down(silu(gate(h)) · up(h)); (B, T, D) → (B, T, D) */
    private NDArray mlp(Layer layer, NDArray h) {
        NDArray gate = linear(h, layer.gate(), layer.gateBias()); // (B, T, F)
        NDArray up = linear(h, layer.up(), layer.upBias());
        return linear(gate.mul(Activation.sigmoid(gate)).mul(up), layer.down(), layer.downBias());
    }

    /** x / sqrt(mean(x²) + eps) · weight over the last axis, in float32 (transformers' LlamaRMSNorm). */
    private NDArray rmsNorm(NDArray x, Parameter weight) {
        NDArray meanSquare = x.square().mean(new int[] {-1}, true); // (B, T, 1)
        return x.div(meanSquare.add((float) config.rmsNormEps()).sqrt()).mul(weight.getArray());
    }
}
