package io.sppo4j.model.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Activation;
import io.sppo4j.model.nd.Scalars;

/**
 * The DPO loss (Rafailov et al. 2023, "Direct Preference Optimization: Your Language Model is
 * Secretly a Reward Model"): for pairs with margins {@code h} (see {@link PairwiseLoss}),
 *
 * <pre>
 *   L(θ) = reduce_i −log σ(β h_i) = reduce_i softplus(−β h_i),     ∂/∂h_i = −β σ(−β h_i) (per pair)
 * </pre>
 *
 * the Bradley–Terry likelihood of the judged order under the implicit reward
 * {@code β log π_θ/π_ref}.
 *
 * <p>Computed as PyTorch's softplus of {@code −βh}, which returns its argument above 20 instead of
 * taking {@code exp}, so neither the loss nor its gradient overflows for large {@code |βh|}; the
 * textbook {@code −log(1/(1 + e^{−βh}))} would return infinity at {@code βh ≈ −89} in float32.
 *
 * <p>DPO has no finite minimiser in {@code h}: it pushes every margin up without bound, the
 * gradient vanishing only as {@code h → ∞} (which is why it overfits deterministic preferences,
 * Azar et al. 2023). The {@code target} column therefore reports the decision boundary 0, so
 * that {@code residual = h} and its sign says whether the policy already orders the pair as the
 * judge did.
 */
public final class DpoLoss extends AbstractPairwiseLoss {

    static final String NAME = "dpo";

    /** Averaged over the pairs. */
    public DpoLoss(float beta) {
        this(beta, Reduction.MEAN);
    }

    /** @param beta inverse temperature of the implicit reward; larger β keeps π_θ closer to π_ref */
    public DpoLoss(float beta, Reduction reduction) {
        super("DPO", beta, reduction);
    }

    @Override
    public String name() {
        return NAME;
    }

    /** The decision boundary 0, a diagnostic only: DPO's optimum is at {@code h → ∞}. */
    @Override
    public float target() {
        return 0f;
    }

    @Override
    NDArray perPair(NDArray margins, NDManager scratch) {
        NDArray scaled = Scalars.times(margins, -beta()); // −βh
        scaled.attach(scratch);
        return Activation.softPlus(scaled); // log(1 + e^{−βh}) = −log σ(βh)
    }
}
