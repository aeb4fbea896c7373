package io.sppo4j.model.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.List;

/**
 * Clipping by the global norm of all gradients, as {@code torch.nn.utils.clip_grad_norm_}: the
 * gradients are scaled together, so the update keeps its direction (element-wise clipping, as
 * DJL's optimisers do it, would change it).
 */
final class GradientClipping {

    /** Guards the division as torch does; it also makes the clipped norm land just below the limit. */
    static final double NORM_EPSILON = 1e-6;

    private GradientClipping() {}

    /**
     * The L2 norm of all gradients taken together, in float32 like torch's; one host sync.
     *
     * @param scratch owns the intermediate arrays
     */
    static float globalNorm(List<NDArray> gradients, NDManager scratch) {
        NDArray sumOfSquares = scratch.zeros(new Shape()); // ()
        for (NDArray gradient : gradients) {
            sumOfSquares = sumOfSquares.add(gradient.square().sum());
        }
        return sumOfSquares.sqrt().getFloat();
    }

    /** Factor for the gradients: {@code maxNorm / (norm + 1e-6)} when {@code norm > maxNorm}, else 1; 0 disables. */
    static float scale(float norm, float maxNorm) {
        if (maxNorm <= 0f || norm <= maxNorm) {
            return 1f;
        }
        return (float) (maxNorm / (norm + NORM_EPSILON));
    }
}
