package io.sppo4j.model.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;

import java.util.List;

/**
 * A learned linear map y = x·W + b over the last axis: every weight matrix of the decoder (q, k,
 * v, o, fused c_attn, gate, up, down, c_fc, c_proj, the output head) is applied through one.
 * A targeted projection of a LoRA model carries a {@link LowRankAdapter}: y + scale·B(A x), or
 * x by the merged weight, leaving the decoder's code unchanged.
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
    /** The low-rank adapter of a LoRA model's targeted projection, else null. */
    private final LowRankAdapter adapter;

    private Projection(Parameter weight, Parameter bias, Layout layout, LowRankAdapter adapter) {
        this.weight = weight;
        this.bias = bias;
        this.layout = layout;
        this.adapter = adapter;
    }

    /**
     * Declares {@code name.weight} (and {@code name.bias} when {@code withBias}) in {@code source},
     * and an adapter on it where the source's {@link LoraAdapters} target {@code name}.
     *
     * @param init of the weight; a bias starts at zero
     */
    public static Projection declare(
            ParameterSource source, String name, long in, long out, boolean withBias, Layout layout, Init init) {
        Parameter weight = layout == Layout.OUT_IN
                ? source.declare(name + ".weight", init, out, in)
                : source.declare(name + ".weight", init, in, out);
        Parameter bias = source.declareIf(withBias, name + ".bias", Init.ZEROS, out);
        LoraAdapters adapters = source.adapters();
        LowRankAdapter adapter = adapters != null && adapters.config().targets(name)
                ? adapters.declare(name, in, out, layout, weight) : null;
        return new Projection(weight, bias, layout, adapter);
    }

    /** A projection by an existing (out, in) matrix, e.g. the output head tied to the token embedding. */
    public static Projection tied(Parameter weight) {
        return new Projection(weight, null, Layout.OUT_IN, null);
    }

    /** {@link #apply(NDArray, boolean)} outside training (no adapter dropout). */
    public NDArray apply(NDArray x) {
        return apply(x, false);
    }

    /**
     * @param x (..., in) in the compute type; weights are cast to it when stored otherwise
     * @param training applies the adapter's dropout
     * @return (..., out), owned by {@code x}'s manager
     */
    public NDArray apply(NDArray x, boolean training) {
        NDArray w = Weights.like(multipliedWeight(), x);
        NDArray b = Weights.likeOrNull(bias, x);
        NDArray y;
        if (layout == Layout.OUT_IN) {
            y = Linear.linear(x, w, b).singletonOrThrow();
        } else {
            y = x.matMul(w);
            y = b == null ? y : y.add(b);
        }
        NDArray delta = adapter == null ? null : adapter.delta(x, training);
        return delta == null ? y : y.add(delta);
    }

    /** Appends the weight's array as passes use it (merged where merged), then the bias's ({@link FusedLayers}' order). */
    void collectArrays(List<NDArray> into) {
        into.add(multipliedWeight());
        Weights.collectArrays(into, bias);
    }

    /** The matrix a pass multiplies by: the adapter's choice (merged or base) where there is one. */
    private NDArray multipliedWeight() {
        return adapter == null ? weight.getArray() : adapter.weight();
    }

    public Parameter weight() {
        return weight;
    }
}
