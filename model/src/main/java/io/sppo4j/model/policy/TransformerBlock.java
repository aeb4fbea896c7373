package io.sppo4j.model.policy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/** Pre-norm residual block: x + attn(ln_1(x)), then x + mlp(ln_2(x)). */
final class TransformerBlock extends PolicyBlock {

    private final Parameter ln1Weight;
    private final Parameter ln1Bias;
    private final Parameter ln2Weight;
    private final Parameter ln2Bias;
    private final CausalSelfAttention attention;
    private final Mlp mlp;

    TransformerBlock(PolicyConfig config, int layer, long seed, String path) {
        super(seed, path);
        int d = config.width();
        ln1Weight = ones("ln_1.weight", d);
        ln1Bias = zeros("ln_1.bias", d);
        ln2Weight = ones("ln_2.weight", d);
        ln2Bias = zeros("ln_2.bias", d);
        attention = addChildBlock("attn", new CausalSelfAttention(config, layer, seed, childPath("attn")));
        mlp = addChildBlock("mlp", new Mlp(config, seed, childPath("mlp")));
    }

    /** @param x (B, T, D), bias (B, 1, T, Tk) → (B, T, D) */
    NDArray forward(ParameterStore store, NDArray x, NDArray bias, KvCache cache, boolean training) {
        x = x.add(attention.forward(store, layerNorm(store, x, ln1Weight, ln1Bias, training), bias, cache, training));
        return x.add(mlp.forward(store, layerNorm(store, x, ln2Weight, ln2Bias, training), training));
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
