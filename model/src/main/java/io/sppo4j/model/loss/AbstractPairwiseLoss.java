package io.sppo4j.model.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.util.Arrays;

/**
 * What the β-regularised pairwise losses share: validation, the scratch manager that keeps
 * intermediates out of the caller's manager, the reduction and the diagnostics. A subclass
 * supplies only its per-pair term and its target margin.
 */
abstract class AbstractPairwiseLoss implements PairwiseLoss {

    private final String label;
    private final float beta;
    private final Reduction reduction;

    /** @param label upper-case name for messages: "DPO", "IPO", "SLiC" */
    AbstractPairwiseLoss(String label, float beta, Reduction reduction) {
        if (!(beta > 0f) || !Float.isFinite(beta)) {
            throw new IllegalArgumentException(label + " beta must be positive and finite, got " + beta);
        }
        if (reduction == null) {
            throw new IllegalArgumentException(label + " reduction must not be null");
        }
        this.label = label;
        this.beta = beta;
        this.reduction = reduction;
    }

    /** The regularisation β toward π_ref: the larger, the smaller the margins the loss asks for. */
    public final float beta() {
        return beta;
    }

    @Override
    public final Reduction reduction() {
        return reduction;
    }

    /**
     * The per-pair terms, (P), owned by {@code scratch}. An operation's result belongs to the
     * manager of its first operand, so the first operation on {@code margins} (which the caller's
     * manager owns) must be attached to {@code scratch}.
     */
    abstract NDArray perPair(NDArray margins, NDManager scratch);

    @Override
    public final LossResult compute(NDArray margins) {
        float[] h = checkMargins(margins);
        float target = target();
        float[] targets = new float[h.length];
        Arrays.fill(targets, target);
        NDManager owner = margins.getManager();
        // Intermediates go to a scratch manager closed on return: autograd keeps its own
        // references to what backward needs, so only the scalar loss outlives this call.
        try (NDManager scratch = owner.newSubManager(margins.getDevice())) {
            NDArray residual = margins.sub(target); // (P)
            residual.attach(scratch);
            NDArray loss = reduction.reduce(perPair(margins, scratch)); // ()
            loss.attach(owner);
            return new LossResult(loss, reduction, h, targets, residual.toFloatArray());
        }
    }

    /** Refuses anything but a non-empty (P) array of finite margins; returns them on the host. */
    private float[] checkMargins(NDArray margins) {
        if (margins.getShape().dimension() != 1) {
            throw new IllegalArgumentException(
                    label + " margins must be a (P) array, one margin per pair, got shape " + margins.getShape());
        }
        if (margins.getShape().get(0) == 0) {
            throw new IllegalArgumentException(label + " needs at least one pair, got an empty batch");
        }
        float[] h = margins.toFloatArray();
        for (int i = 0; i < h.length; i++) {
            if (!Float.isFinite(h[i])) {
                throw new IllegalArgumentException(
                        label + " margins[" + i + "] = " + h[i] + " is not finite (a log-probability of the pair is"
                                + " infinite or NaN)");
            }
        }
        return h;
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[beta=" + beta + ", " + reduction + "]";
    }
}
