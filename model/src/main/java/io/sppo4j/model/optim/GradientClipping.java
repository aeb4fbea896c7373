package io.sppo4j.model.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;

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
     * Each gradient's sum of squares, in float32 like torch's; one host sync for all of them.
     *
     * @param scratch owns the intermediate arrays
     */
    static float[] sumsOfSquares(List<NDArray> gradients, NDManager scratch) {
        if (gradients.isEmpty()) {
            return new float[0];
        }
        NDList sums = new NDList(gradients.size());
        for (NDArray gradient : gradients) {
            sums.add(gradient.square().sum().reshape(1)); // (1)
        }
        return NDArrays.concat(sums).toFloatArray(); // (parameters)
    }

    /** The L2 norm of all gradients taken together, from {@link #sumsOfSquares}. */
    static float globalNorm(float[] sumsOfSquares) {
        float total = 0f; // float32, as torch accumulates it
        for (float squares : sumsOfSquares) {
            total += squares;
        }
        return (float) Math.sqrt(total);
    }

    /** Factor for the gradients: {@code maxNorm / (norm + 1e-6)} when {@code norm > maxNorm}, else 1; 0 disables. */
    static float scale(float norm, float maxNorm) {
        if (maxNorm <= 0f || norm <= maxNorm) {
            return 1f;
        }
        return (float) (maxNorm / (norm + NORM_EPSILON));
    }

    /**
     * Names the first parameter, in model order, whose gradient is not finite (its sum of
     * squares is NaN or infinite), and counts the others: where to look for the cause.
     *
     * @param names the parameters' names, in the order of {@code squares}
     */
    static String nonFiniteCause(List<String> names, float[] squares) {
        String first = null;
        int count = 0;
        for (int i = 0; i < squares.length; i++) {
            if (!Float.isFinite(squares[i])) {
                if (first == null) {
                    first = names.get(i) + " (sum of squared gradients " + squares[i] + ")";
                }
                count++;
            }
        }
        if (first == null) {
            // Every parameter's sum is finite but their total overflowed float32.
            return "the global gradient norm overflowed float32 although every parameter's gradient is finite";
        }
        return "non-finite gradient in " + first + (count > 1 ? " and " + (count - 1) + " more parameters" : "");
    }
}
