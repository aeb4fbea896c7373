package io.sppo4j.model.policy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.norm.LayerNorm;

/** LayerNorm over the last axis, as GPT-2 uses it (eps 1e-5). */
final class LayerNorms {

    static final float EPSILON = 1e-5f;

    private LayerNorms() {}

    static NDArray apply(NDArray x, NDArray weight, NDArray bias) {
        Shape last = new Shape(x.getShape().get(x.getShape().dimension() - 1));
        return LayerNorm.layerNorm(x, last, weight, bias, EPSILON).singletonOrThrow();
    }
}
