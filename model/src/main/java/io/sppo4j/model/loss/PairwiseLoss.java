package io.sppo4j.model.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import java.util.Locale;

/**
 * A loss on the implicit-reward margins of (winner, loser) pairs. For a prompt {@code x} and a
 * pair whose winner {@code y_w} the judge preferred to the loser {@code y_l}, the margin is
 *
 * <pre>
 *   h = [log π_θ(y_w|x) − log π_ref(y_w|x)] − [log π_θ(y_l|x) − log π_ref(y_l|x)]
 * </pre>
 *
 * differentiable through π_θ, with the frozen reference π_ref a constant. Each loss is a function
 * of {@code h} alone ({@link DpoLoss}, {@link IpoLoss}, {@link SlicLoss}); build the margins with
 * {@link #margins(NDArray, NDArray, float[], float[])}.
 *
 * <p>The {@link LossResult} diagnostics are per pair: {@code logRatio} is the margin {@code h},
 * {@code target} the margin the loss aims for ({@link #target()}), and {@code residual}
 * {@code h − target}.
 */
public interface PairwiseLoss {

    /** Short lower-case name, as configuration spells it: "dpo", "ipo", "slic". */
    String name();

    /** How the per-pair terms are combined. */
    Reduction reduction();

    /** The margin the loss pulls {@code h} toward, reported as each pair's {@code target}. */
    float target();

    /**
     * @param margins (P) the margins {@code h} of P pairs, differentiable; the loss is created in
     *     its manager and nothing else is left there
     */
    LossResult compute(NDArray margins);

    /**
     * The loss called {@code name} ("dpo", "ipo" or "slic", any case) with regularisation β.
     *
     * @throws IllegalArgumentException for an unknown name or an invalid β
     */
    static PairwiseLoss of(String name, float beta, Reduction reduction) {
        String key = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        return switch (key) {
            case DpoLoss.NAME -> new DpoLoss(beta, reduction);
            case IpoLoss.NAME -> new IpoLoss(beta, reduction);
            case SlicLoss.NAME -> new SlicLoss(beta, reduction);
            default -> throw new IllegalArgumentException(
                    "unknown pairwise loss '" + name + "': expected one of dpo, ipo, slic");
        };
    }

    /**
     * The margins {@code h_i = [policyWinner_i − refWinner_i] − [policyLoser_i − refLoser_i]}.
     *
     * <p>The result belongs to {@code policyWinner}'s manager and is the only array left there;
     * gradients flow to both policy arrays (+1 into the winner's, −1 into the loser's), never to
     * the reference, which is a host constant.
     *
     * @param policyWinner (P) log π_θ(y_w|x), differentiable (SequenceScorer's sequenceLogProbs)
     * @param policyLoser (P) log π_θ(y_l|x), differentiable
     * @param refWinner (P) log π_ref(y_w|x), finite
     * @param refLoser (P) log π_ref(y_l|x), finite
     * @return (P) the margins, of {@code policyWinner}'s data type
     */
    static NDArray margins(NDArray policyWinner, NDArray policyLoser, float[] refWinner, float[] refLoser) {
        int pairs = checkPolicy("policyWinner", policyWinner);
        int loserPairs = checkPolicy("policyLoser", policyLoser);
        if (loserPairs != pairs || refWinner.length != pairs || refLoser.length != pairs) {
            throw new IllegalArgumentException(
                    "pair margins need equal lengths: policyWinner " + pairs + ", policyLoser " + loserPairs
                            + ", refWinner " + refWinner.length + ", refLoser " + refLoser.length);
        }
        checkFinite("refWinner", refWinner);
        checkFinite("refLoser", refLoser);
        NDManager owner = policyWinner.getManager();
        // As in SppoLoss: intermediates live in a scratch manager closed on return (autograd holds
        // its own references), so only the margins outlive this call.
        try (NDManager scratch = owner.newSubManager(policyWinner.getDevice())) {
            DataType type = policyWinner.getDataType();
            NDArray winnerRatio = policyWinner.sub(scratch.create(refWinner).toType(type, false)); // (P)
            winnerRatio.attach(scratch); // the first operand's manager would otherwise own it
            NDArray loserRatio = policyLoser.sub(scratch.create(refLoser).toType(type, false)); // (P)
            loserRatio.attach(scratch);
            NDArray margins = winnerRatio.sub(loserRatio); // (P)
            margins.attach(owner);
            return margins;
        }
    }

    private static int checkPolicy(String what, NDArray logProbs) {
        if (logProbs.getShape().dimension() != 1) {
            throw new IllegalArgumentException(
                    what + " must be a (P) array of sequence log-probabilities, got shape " + logProbs.getShape());
        }
        int pairs = Math.toIntExact(logProbs.getShape().get(0));
        if (pairs == 0) {
            throw new IllegalArgumentException("pair margins need at least one pair, got an empty " + what);
        }
        return pairs;
    }

    private static void checkFinite(String what, float[] logProbs) {
        for (int i = 0; i < logProbs.length; i++) {
            if (!Float.isFinite(logProbs[i])) {
                throw new IllegalArgumentException(
                        what + "[" + i + "] = " + logProbs[i] + " is not finite (a reference log-probability must be"
                                + " scored, not missing)");
            }
        }
    }
}
