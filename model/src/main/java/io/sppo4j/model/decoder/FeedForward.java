package io.sppo4j.model.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import io.sppo4j.model.nd.Scalars;

import java.util.List;

/**
 * The position-wise MLP. GPT-2: c_proj(gelu(c_fc(x))), D → inner → D. Llama:
 * down(silu(gate(x)) · up(x)), the gated SwiGLU.
 */
final class FeedForward {

    private static final float SQRT_2_OVER_PI = (float) Math.sqrt(2 / Math.PI);

    private final Projection gate;
    private final Projection up;
    private final Projection down;
    private final DecoderConfig.Activation activation;

    FeedForward(ParameterSource source, String prefix, DecoderConfig config) {
        long d = config.hiddenSize();
        long inner = config.intermediateSize();
        Init weight = Init.normal(Init.STD);
        Init residual = Init.residual(config.layers());
        activation = config.activation();
        if (config.layout() == DecoderConfig.Layout.GPT2) {
            Projection.Layout conv1d = Projection.Layout.IN_OUT;
            gate = null;
            up = Projection.declare(source, prefix + "mlp.c_fc", d, inner, config.mlpBias(), conv1d, weight);
            down = Projection.declare(source, prefix + "mlp.c_proj", inner, d, config.mlpBias(), conv1d, residual);
        } else {
            Projection.Layout linear = Projection.Layout.OUT_IN;
            gate = Projection.declare(source, prefix + "mlp.gate_proj", d, inner, config.mlpBias(), linear, weight);
            up = Projection.declare(source, prefix + "mlp.up_proj", d, inner, config.mlpBias(), linear, weight);
            down = Projection.declare(source, prefix + "mlp.down_proj", inner, d, config.mlpBias(), linear, residual);
        }
    }

    /** Appends the projections' arrays: gate (Llama), up, down ({@link FusedLayers}' order). */
    void collectArrays(List<NDArray> into) {
        if (gate != null) {
            gate.collectArrays(into);
        }
        up.collectArrays(into);
        down.collectArrays(into);
    }

    /** @param x (B, T, D) → (B, T, D); {@code training} applies adapter dropout */
    NDArray apply(NDArray x, boolean training) {
        if (gate != null) {
            NDArray g = gate.apply(x, training); // (B, T, inner)
            return down.apply(g.mul(Activation.sigmoid(g)).mul(up.apply(x, training)), training);
        }
        NDArray hidden = up.apply(x, training); // (B, T, inner)
        return down.apply(activation == DecoderConfig.Activation.GELU ? Activation.gelu(hidden) : geluTanh(hidden),
                training);
    }

    /** GPT-2's GELU: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). */
    static NDArray geluTanh(NDArray x) {
        NDArray inner = Scalars.times(x.add(Scalars.times(Scalars.power(x, 3f), 0.044715f)), SQRT_2_OVER_PI);
        return Scalars.times(x.mul(inner.tanh().add(1f)), 0.5f);
    }
}
