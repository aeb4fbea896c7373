package io.sppo4j.model.policy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/** Position-wise feed-forward network: D → 4D → GELU → D. */
final class Mlp extends PolicyBlock {

    private final PolicyConfig config;
    private final Parameter fcWeight;
    private final Parameter fcBias;
    private final Parameter projWeight;
    private final Parameter projBias;

    Mlp(PolicyConfig config, long seed, String path) {
        super(seed, path);
        this.config = config;
        int d = config.width();
        fcWeight = normal("c_fc.weight", TransformerPolicy.INIT_STD, 4L * d, d);
        fcBias = zeros("c_fc.bias", 4L * d);
        projWeight = normal("c_proj.weight", TransformerPolicy.residualStd(config), d, 4L * d);
        projBias = zeros("c_proj.bias", d);
    }

    /** @param x (B, T, D) → (B, T, D) */
    NDArray forward(ParameterStore store, NDArray x, boolean training) {
        NDArray hidden = linear(store, x, fcWeight, fcBias, training); // (B, T, 4D)
        hidden = Activation.gelu(hidden);
        NDArray out = linear(store, hidden, projWeight, projBias, training); // (B, T, D)
        if (training && config.dropout() > 0f) {
            out = Dropout.dropout(out, config.dropout(), true).singletonOrThrow();
        }
        return out;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(forward(store, inputs.singletonOrThrow(), training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }
}
