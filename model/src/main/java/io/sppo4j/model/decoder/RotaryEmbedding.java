package io.sppo4j.model.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.sppo4j.model.nd.Casts;

/**
 * Rotary position embedding (RoFormer) in the layout transformers uses: each head's two halves
 * are rotated together ({@code rotate_half}), not interleaved pairs. How the frequencies are
 * derived from a checkpoint's {@code rope_theta} and {@code rope_scaling} is the loader's
 * business; this record only applies them.
 *
 * @param inverseFrequencies (headDim / 2) angles per position, after any scaling
 */
public record RotaryEmbedding(float[] inverseFrequencies) {

    public RotaryEmbedding {
        inverseFrequencies = inverseFrequencies.clone();
    }

    @Override
    public float[] inverseFrequencies() {
        return inverseFrequencies.clone();
    }

    /** Cosines and sines of every position's angles, each (B, 1, T, headDim), shaped to broadcast over heads. */
    public record Angles(NDArray cos, NDArray sin) {}

    /**
     * Angles computed in float32 (positions up to the context length need its precision), then
     * cast to {@code dtype}, the type the queries and keys are computed in.
     *
     * @param positions (B, T) int64
     */
    public Angles angles(NDArray positions, DataType dtype) {
        NDManager manager = positions.getManager();
        long batch = positions.getShape().get(0);
        long steps = positions.getShape().get(1);
        NDArray frequencies = manager.create(inverseFrequencies, new Shape(1, 1, inverseFrequencies.length));
        NDArray half = positions.toType(DataType.FLOAT32, false).reshape(batch, steps, 1).mul(frequencies); // (B, T, hd/2)
        NDArray angles = half.concat(half, -1).reshape(batch, 1, steps, 2L * inverseFrequencies.length); // (B, 1, T, hd)
        return new Angles(Casts.to(angles.cos(), dtype), Casts.to(angles.sin(), dtype));
    }

    /**
     * x·cos + rotate_half(x)·sin, where rotate_half(x) = [−x₂, x₁] over the halves of the last axis.
     *
     * @param x (B, heads, T, headDim)
     */
    public static NDArray rotate(NDArray x, Angles angles) {
        long half = x.getShape().get(3) / 2;
        NDArray first = x.get("..., :{}", half);
        NDArray second = x.get("..., {}:", half);
        NDArray rotated = second.neg().concat(first, -1); // (B, heads, T, hd)
        return x.mul(angles.cos()).add(rotated.mul(angles.sin()));
    }
}
