package io.sppo4j.model.nd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Arithmetic with a constant that autograd may keep until backward.
 *
 * <p>DJL 0.35's {@code mul(Number)}, {@code div(Number)} and {@code pow(Number)} wrap the
 * constant in a 0-d array over a Java direct buffer ({@code torch::from_blob}, no copy) and close
 * that array before returning. Autograd saves the constant for backward (d(x·c)/dx = c), but
 * the buffer's lifetime is the closed Java wrapper's: once the garbage collector runs between
 * forward and backward, backward reads freed memory. That was issue 13's "non-finite gradient":
 * whole layers' gradients NaN or infinite, at random, one step in tens, every step when the
 * collector is forced in between. Here the constant is made by the engine ({@code torch::full})
 * and reference-counted by the graph like any activation.
 *
 * <p>Rule: code that autograd may record (decoder, scorer, losses) scales and raises through
 * these methods, never through an {@code NDArray} method taking a {@code Number}. Adding a
 * constant is safe either way (its backward keeps nothing), and so is any op under
 * {@link Autograd#paused()}.
 */
public final class Scalars {

    private Scalars() {}

    /** x · c, in x's type; differentiable. */
    public static NDArray times(NDArray x, float c) {
        try (NDArray constant = constant(x, c)) {
            return x.mul(constant);
        }
    }

    /** x ^ p, in x's type; differentiable. */
    public static NDArray power(NDArray x, float p) {
        try (NDArray constant = constant(x, p)) {
            return x.pow(constant);
        }
    }

    /**
     * A 0-d float32 array owned by the engine on x's device. Float32 whatever x's type: a 0-d
     * operand does not promote a float tensor (bfloat16 × float32 scalar stays bfloat16), and
     * DJL cannot name bfloat16 to make one.
     */
    private static NDArray constant(NDArray x, float value) {
        return x.getManager().full(new Shape(), value, DataType.FLOAT32);
    }
}
