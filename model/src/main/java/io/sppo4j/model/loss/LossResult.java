package io.sppo4j.model.loss;

import ai.djl.ndarray.NDArray;

import java.util.Arrays;

/**
 * A batch loss ready to backpropagate, with per-sample diagnostics copied to the host.
 *
 * <p>The diagnostics are phrased for losses that push a log-ratio toward a target, which covers
 * the preference losses this project plans: SPPO regresses {@code log π_θ(y|x) − log π_t(y|x)}
 * onto {@code η (p̂ − ½)}; a {@link PairwiseLoss} (IPO, DPO, SLiC) puts the margin {@code h} of each
 * (winner, loser) pair in {@code logRatio} and the margin it aims for ({@code 1/(2β)} for IPO,
 * {@code 1/β} for SLiC's hinge, the decision boundary 0 for DPO) in {@code target};
 * {@link NashMdLoss} puts {@code log π_θ(y|x) − log π_ref(y|x)} in {@code logRatio} and
 * {@code a/β}, where its KL-regularised advantage {@code a − β·logRatio} vanishes, in {@code target}.
 *
 * @param loss () differentiable scalar, owned by the manager of the policy's log-probabilities
 * @param reduction how the per-sample terms were combined
 * @param logRatio (B) the log-ratio each sample's term acts on
 * @param target (B) the value the loss pulls {@code logRatio} toward
 * @param residual (B) {@code logRatio − target}, as computed on the device
 */
public record LossResult(NDArray loss, Reduction reduction, float[] logRatio, float[] target, float[] residual) {

    public LossResult {
        if (loss.getShape().dimension() != 0) {
            throw new IllegalArgumentException("loss must be a scalar, got shape " + loss.getShape());
        }
        if (logRatio.length != target.length || logRatio.length != residual.length) {
            throw new IllegalArgumentException(
                    "diagnostics of unequal lengths: logRatio " + logRatio.length + ", target " + target.length
                            + ", residual " + residual.length);
        }
        logRatio = logRatio.clone();
        target = target.clone();
        residual = residual.clone();
    }

    /** Number of samples (or pairs) the loss covers. */
    public int size() {
        return logRatio.length;
    }

    @Override
    public float[] logRatio() {
        return logRatio.clone();
    }

    @Override
    public float[] target() {
        return target.clone();
    }

    @Override
    public float[] residual() {
        return residual.clone();
    }

    @Override
    public String toString() {
        return "LossResult[" + reduction + " over " + size() + ", residual " + Arrays.toString(residual) + "]";
    }
}
