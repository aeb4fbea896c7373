package io.sppo4j.model.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Activation;
import io.sppo4j.model.nd.Scalars;

/**
 * The SLiC hinge loss (Zhao et al. 2023, "SLiC-HF: Sequence Likelihood Calibration with Human
 * Feedback"), in the reference-relative form of DESIGN.md: for pairs with margins {@code h}
 * (see {@link PairwiseLoss}),
 *
 * <pre>
 *   L(θ) = reduce_i max(0, 1 − β h_i),     ∂/∂h_i = −β where 1 − β h_i &gt; 0, else 0 (per pair)
 * </pre>
 *
 * SLiC-HF's rank-calibration loss asks the winner to out-score the loser by a margin; here the
 * scores are log-ratios to π_ref, which stands in for the paper's separate cross-entropy
 * regulariser toward the SFT model, and the margin is {@code 1/β}. Pairs already separated by
 * that margin contribute nothing, so unlike DPO the loss stops pushing them apart.
 *
 * <p>The target is {@code 1/β}; the residual {@code h − 1/β} is negative exactly for the pairs
 * that still contribute. At the kink ({@code βh = 1} exactly) the gradient is taken as 0.
 */
public final class SlicLoss extends AbstractPairwiseLoss {

    static final String NAME = "slic";

    /** Averaged over the pairs. */
    public SlicLoss(float beta) {
        this(beta, Reduction.MEAN);
    }

    /** @param beta scale of the margin; the hinge is at {@code h = 1/β} */
    public SlicLoss(float beta, Reduction reduction) {
        super("SLiC", beta, reduction);
    }

    @Override
    public String name() {
        return NAME;
    }

    /** {@code 1/β}, where the hinge's kink is. */
    @Override
    public float target() {
        return 1f / beta();
    }

    @Override
    NDArray perPair(NDArray margins, NDManager scratch) {
        NDArray scaled = Scalars.times(margins, -beta()); // −βh
        scaled.attach(scratch);
        // relu rather than maximum(0): torch.maximum splits the gradient in half at a tie, relu
        // gives 0 at the kink, as documented.
        return Activation.relu(scaled.add(1f)); // max(0, 1 − βh)
    }
}
