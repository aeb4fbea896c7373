package io.sppo4j.model.policy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Multi-head causal self-attention (GPT-2 layout: one fused q/k/v projection, one output
 * projection), optionally reading and extending a {@link KvCache}.
 */
final class CausalSelfAttention extends PolicyBlock {

    private final PolicyConfig config;
    private final int layer;
    private final float scale;
    private final Parameter qkvWeight;
    private final Parameter qkvBias;
    private final Parameter projWeight;
    private final Parameter projBias;

    CausalSelfAttention(PolicyConfig config, int layer, long seed, String path) {
        super(seed, path);
        this.config = config;
        this.layer = layer;
        this.scale = (float) (1.0 / Math.sqrt(config.headDim()));
        int d = config.width();
        qkvWeight = normal("c_attn.weight", TransformerPolicy.INIT_STD, 3L * d, d);
        qkvBias = zeros("c_attn.bias", 3L * d);
        // GPT-2: residual projections scaled by 1/sqrt(2 * layers) so the residual stream's
        // variance does not grow with depth at initialisation.
        projWeight = normal("c_proj.weight", TransformerPolicy.residualStd(config), d, d);
        projBias = zeros("c_proj.bias", d);
    }

    /**
     * @param x (B, T, D) normalised input
     * @param bias (B, 1, T, Tk) additive attention bias, Tk = cached + T
     * @param cache the decoding cache, or null for a full (teacher-forced) pass
     * @return (B, T, D)
     */
    NDArray forward(ParameterStore store, NDArray x, NDArray bias, KvCache cache, boolean training) {
        long batch = x.getShape().get(0);
        long steps = x.getShape().get(1);
        int heads = config.heads();
        int headDim = config.headDim();
        NDArray qkv = linear(store, x, qkvWeight, qkvBias, training); // (B, T, 3D)
        NDArray split = qkv.reshape(batch, steps, 3, heads, headDim).transpose(2, 0, 3, 1, 4); // (3, B, H, T, hd)
        NDArray q = split.get(0); // (B, H, T, hd)
        NDArray k = split.get(1);
        NDArray v = split.get(2);
        if (cache != null) {
            NDList history = cache.append(layer, k, v);
            k = history.get(0); // (B, H, Tk, hd)
            v = history.get(1);
        }
        NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)).mul(scale).add(bias); // (B, H, T, Tk)
        NDArray weights = scores.softmax(-1);
        if (training && config.dropout() > 0f) {
            weights = Dropout.dropout(weights, config.dropout(), true).singletonOrThrow();
        }
        NDArray y = weights.matMul(v) // (B, H, T, hd)
                .transpose(0, 2, 1, 3) // (B, T, H, hd)
                .reshape(batch, steps, config.width()); // (B, T, D)
        NDArray out = linear(store, y, projWeight, projBias, training); // (B, T, D)
        if (training && config.dropout() > 0f) {
            out = Dropout.dropout(out, config.dropout(), true).singletonOrThrow();
        }
        return out;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(forward(store, inputs.get(0), inputs.get(1), null, training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }
}
