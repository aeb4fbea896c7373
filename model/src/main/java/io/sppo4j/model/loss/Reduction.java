package io.sppo4j.model.loss;

import ai.djl.ndarray.NDArray;

/** How a loss combines its per-sample terms into the scalar that is backpropagated. */
public enum Reduction {

    /**
     * Average over samples. The gradient, and so the useful learning rate, does not grow with
     * the batch size; the minimiser is the same as {@link #SUM}'s.
     */
    MEAN,

    /** Sum over samples, as the papers (and DESIGN.md) write the objectives. */
    SUM;

    /** @param perSample (B) → () */
    public NDArray reduce(NDArray perSample) {
        return this == MEAN ? perSample.mean() : perSample.sum();
    }
}
