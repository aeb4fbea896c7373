package io.sppo4j.model.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.LayerNorm;
import io.sppo4j.model.nd.Casts;

import java.util.List;

/**
 * Normalisation over the last axis, always computed in float32 (a bfloat16 mean of squares
 * loses the small differences a norm exists to keep), the result cast back to the input type.
 * GPT-2: LayerNorm with a scale and a shift. Llama: RMSNorm, x / √(mean(x²) + ε) · weight, as
 * transformers' {@code LlamaRMSNorm} computes it (normalised in float32, cast, then scaled).
 */
final class Norm {

    private final Parameter weight;
    private final Parameter bias;
    private final float epsilon;

    private Norm(Parameter weight, Parameter bias, double epsilon) {
        this.weight = weight;
        this.bias = bias;
        this.epsilon = (float) epsilon;
    }

    /** {@code name.weight} (ones), and for LayerNorm {@code name.bias} (zeros). */
    static Norm declare(ParameterSource source, String name, DecoderConfig config) {
        long d = config.hiddenSize();
        Parameter weight = source.declare(name + ".weight", Init.ONES, d);
        Parameter bias = config.layout() == DecoderConfig.Layout.GPT2 ? source.declare(name + ".bias", Init.ZEROS, d) : null;
        return new Norm(weight, bias, config.normEpsilon());
    }

    /** Appends the scale's array, then the shift's for LayerNorm ({@link FusedLayers}' order). */
    void collectArrays(List<NDArray> into) {
        Weights.collectArrays(into, weight, bias);
    }

    /** @param x (..., D) → (..., D) in x's type */
    NDArray apply(NDArray x) {
        DataType type = Casts.typeOf(x);
        NDArray h = Casts.to(x, DataType.FLOAT32);
        if (bias != null) {
            NDArray normalised = LayerNorm.layerNorm(h, new Shape(h.getShape().getLastDimension()),
                    Weights.as(weight, DataType.FLOAT32, h), Weights.as(bias, DataType.FLOAT32, h), epsilon)
                    .singletonOrThrow();
            return Casts.to(normalised, type);
        }
        NDArray meanSquare = h.square().mean(new int[] {-1}, true); // (..., 1)
        NDArray normalised = Casts.to(h.div(meanSquare.add(epsilon).sqrt()), type);
        return normalised.mul(Weights.like(weight, normalised));
    }
}
