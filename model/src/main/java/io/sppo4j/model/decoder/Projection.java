package io.sppo4j.model.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;

import java.util.List;

/**
 * A learned linear map y = x·W + b over the last axis: every weight matrix of the decoder (q, k,
 * v, o, fused c_attn, gate, up, down, c_fc, c_proj, the output head) is applied through one.
 * This is the seam where a low-rank adapter will wrap a projection (LoRA: y + x·Aᵀ·Bᵀ·scale),
 * leaving the decoder's code unchanged.
 */
public final class Projection {

    /** How the weight matrix is stored in the checkpoint. */
    public enum Layout {
        /** torch {@code nn.Linear}: (out, in); y = x·Wᵀ. */
        OUT_IN,
        /** GPT-2's {@code Conv1D}: (in, out); y = x·W. */
        IN_OUT
    }

    private final Parameter weight;
    private final Parameter bias;
    private final Layout layout;

    private Projection(Parameter weight, Parameter bias, Layout layout) {
        this.weight = weight;
        this.bias = bias;
        this.layout = layout;
    }

    /**
     * Declares {@code name.weight} (and {@code name.bias} when {@code withBias}) in {@code source}.
     *
     * @param init of the weight; a bias starts at zero
     */
    public static Projection declare(
            ParameterSource source, String name, long in, long out, boolean withBias, Layout layout, Init init) {
        Parameter weight = layout == Layout.OUT_IN
                ? source.declare(name + ".weight", init, out, in)
                : source.declare(name + ".weight", init, in, out);
        Parameter bias = source.declareIf(withBias, name + ".bias", Init.ZEROS, out);
        return new Projection(weight, bias, layout);
    }

    /** A projection by an existing (out, in) matrix, e.g. the output head tied to the token embedding. */
    public static Projection tied(Parameter weight) {
        return new Projection(weight, null, Layout.OUT_IN);
    }

    /**
     * @param x (..., in) in the compute type; weights are cast to it when stored otherwise
     * @return (..., out), owned by {@code x}'s manager
     */
    public NDArray apply(NDArray x) {
        NDArray w = Weights.like(weight, x);
        NDArray b = Weights.likeOrNull(bias, x);
        if (layout == Layout.OUT_IN) {
            return Linear.linear(x, w, b).singletonOrThrow();
        }
        NDArray y = x.matMul(w);
        return b == null ? y : y.add(b);
    }

    /** Appends the weight's array, then the bias's if there is one ({@link FusedLayers}' order). */
    void collectArrays(List<NDArray> into) {
        Weights.collectArrays(into, weight, bias);
    }

    public Parameter weight() {
        return weight;
    }
}
