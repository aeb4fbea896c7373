package io.sppo4j.model.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * The IPO loss (Azar et al. 2023, "A General Theoretical Paradigm to Understand Learning from
 * Human Preferences"): for pairs with margins {@code h} (see {@link PairwiseLoss}),
 *
 * <pre>
 *   L(θ) = reduce_i ( h_i − 1/(2β) )²,     ∂/∂h_i = 2 (h_i − 1/(2β)) (per pair)
 * </pre>
 *
 * with β the strength of the regularisation toward π_ref (the paper's τ; DESIGN.md's convention).
 * Unlike DPO the margin is regressed onto a finite target, so the policy cannot drift arbitrarily
 * far from π_ref on pairs whose order is certain. Over pairs sampled from the policy itself this is
 * online IPO (Calandriello et al. 2024); sampled from the geometric mixture of π_θ and π_ref, IPO-MD.
 *
 * <p>The target is {@code 1/(2β)}; the residual {@code h − 1/(2β)} is what the loss squares.
 */
public final class IpoLoss extends AbstractPairwiseLoss {

    static final String NAME = "ipo";

    /** Averaged over the pairs. */
    public IpoLoss(float beta) {
        this(beta, Reduction.MEAN);
    }

    /** @param beta regularisation toward π_ref; the target margin is {@code 1/(2β)} */
    public IpoLoss(float beta, Reduction reduction) {
        super("IPO", beta, reduction);
    }

    @Override
    public String name() {
        return NAME;
    }

    /** {@code 1/(2β)}. */
    @Override
    public float target() {
        return 1f / (2f * beta());
    }

    @Override
    NDArray perPair(NDArray margins, NDManager scratch) {
        NDArray residual = margins.sub(target()); // h − 1/(2β)
        residual.attach(scratch);
        return residual.square();
    }
}
