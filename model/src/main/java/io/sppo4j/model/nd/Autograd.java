package io.sppo4j.model.nd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Gradient recording made explicit and thread-confined.
 *
 * <p>PyTorch's grad mode is a thread-local flag and DJL switches it off only on the thread that
 * loaded the engine, so on an actor's dispatcher thread it is whatever that thread last left.
 * Every forward pass therefore runs inside {@link #recording()} or {@link #paused()}, which set
 * the flag for the current thread and restore it on close. DJL's own GradientCollector allows
 * one collector per process, which several learners in one JVM (tests) cannot share.
 */
public final class Autograd {

    private Autograd() {}

    /** Records operations for backpropagation on this thread until closed. */
    public static Scope recording() {
        return new Scope(true);
    }

    /** Records nothing on this thread until closed: inference and in-place parameter updates. */
    public static Scope paused() {
        return new Scope(false);
    }

    /** Backpropagates a scalar, accumulating into the gradients of the leaves it depends on. */
    public static void backward(NDArray scalar) {
        if (scalar.getShape().size() != 1) {
            throw new IllegalArgumentException("backward needs a scalar, got shape " + scalar.getShape());
        }
        try (NDArray seed = scalar.onesLike()) {
            JniUtils.backward(pt(scalar), pt(seed), false, false);
        }
    }

    /**
     * The gradient accumulated in {@code leaf}, as an array owned by {@code owner} (DJL would
     * otherwise hand every call's wrapper to the parameter's own long-lived manager).
     */
    public static NDArray gradient(NDArray leaf, NDManager owner) {
        NDArray grad = leaf.getGradient();
        grad.attach(owner);
        return grad;
    }

    /** Sets the accumulated gradient of {@code leaf} to zero in place. */
    public static void zeroGradient(NDArray leaf) {
        JniUtils.zeroGrad(pt(leaf));
    }

    private static PtNDArray pt(NDArray array) {
        if (!(array instanceof PtNDArray pt)) {
            throw new IllegalStateException(
                    "sppo4j needs DJL's PyTorch engine, got an array of " + array.getClass().getName());
        }
        return pt;
    }

    /** Restores the thread's previous grad mode on close. */
    public static final class Scope implements AutoCloseable {
        private final boolean previous;

        private Scope(boolean enabled) {
            PyTorch.ensureLoaded();
            previous = JniUtils.isGradMode();
            JniUtils.setGradMode(enabled);
        }

        @Override
        public void close() {
            JniUtils.setGradMode(previous);
        }
    }
}
