package io.sppo4j.model.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

/**
 * The Nash-MD policy-gradient step (Munos et al. 2023, "Nash Learning from Human Feedback",
 * Nash-MD-PG; Calandriello et al. 2024, "Human Alignment of Large Language Models through Online
 * Preference Optimisation"): online mirror descent on the preference game, regularised toward the
 * reference π_ref by KL. For responses {@code y_i ~ π_θ(·|x_i)} with advantages
 * {@code a_i = P(y_i ≻ y_mix | x_i) − ½}, where {@code y_mix} is drawn from the geometric mixture
 * {@code π_mix ∝ π_θ^(1−α) π_ref^α},
 *
 * <pre>
 *   L(θ) = −reduce_i [ (a_i − β · sg(log π_θ(y_i|x_i) − log π_ref(y_i|x_i))) · log π_θ(y_i|x_i) ]
 * </pre>
 *
 * with {@code sg} stop-gradient: the log-ratio enters as a constant coefficient. This is a
 * REINFORCE (score-function) estimator of the gradient of the regularised objective
 * {@code J(θ) = E_{y~π_θ}[a(y)] − β KL(π_θ ‖ π_ref)}, the opponent π_mix held fixed: since
 * {@code ∇KL(π_θ‖π_ref) = E_{y~π_θ}[(log π_θ(y) − log π_ref(y)) ∇log π_θ(y)]} (the term
 * {@code E[∇log π_θ]} vanishes), the expected gradient of L over samples from π_θ is {@code −∇J}
 * under {@link Reduction#MEAN} ({@code −B ∇J} under SUM). The identity needs
 * the samples to come from π_θ itself: the estimator is on-policy, and tolerates only samples a
 * few weight versions stale (no importance correction is applied). The ½ baseline in {@code a_i}
 * changes the variance, not the expectation.
 *
 * <p>Only the gradient is meaningful: the value of {@code L} depends on how large the
 * log-probabilities are, not on how good the policy is. The per-sample gradient is
 * {@code ∂L/∂log π_θ(y_i) = −(a_i − β r_i) = β (r_i − a_i/β)} (per sample, before the reduction),
 * with {@code r_i} the log-ratio; so the diagnostics are {@code logRatio = r_i},
 * {@code target = a_i/β} (the log-ratio at which the KL-regularised advantage vanishes) and
 * {@code residual = r_i − a_i/β}. The shape mirrors SPPO's residual {@code log π_θ/π_t − η(p̂ − ½)}
 * with η = 1/β, but the log-ratio here is to the fixed π_ref rather than to the sampling policy
 * π_t, and the fixed point is reached in expectation over the policy's own samples rather than by
 * regression.
 *
 * <p>DESIGN.md and the papers write expectations, i.e. means; {@link Reduction#MEAN} is the
 * default.
 */
public final class NashMdLoss {

    private final float beta;
    private final Reduction reduction;

    /** Averaged over the batch. */
    public NashMdLoss(float beta) {
        this(beta, Reduction.MEAN);
    }

    /** @param beta strength of the KL regularisation toward π_ref */
    public NashMdLoss(float beta, Reduction reduction) {
        if (!(beta > 0f) || !Float.isFinite(beta)) {
            throw new IllegalArgumentException("Nash-MD beta must be positive and finite, got " + beta);
        }
        if (reduction == null) {
            throw new IllegalArgumentException("Nash-MD reduction must not be null");
        }
        this.beta = beta;
        this.reduction = reduction;
    }

    public float beta() {
        return beta;
    }

    public Reduction reduction() {
        return reduction;
    }

    /** The log-ratio {@code a/β} at which a sample with advantage {@code advantage} stops moving. */
    public float target(float advantage) {
        return advantage / beta;
    }

    /**
     * @param logPolicy (B) log π_θ(y_i|x_i) of the policy's own samples, differentiable (e.g.
     *     SequenceScorer's sequenceLogProbs under {@code Autograd.recording()}); the loss is created
     *     in its manager and nothing else is left there
     * @param logReference (B) log π_ref(y_i|x_i) under the frozen reference; a constant
     * @param advantage (B) a_i = P(y_i ≻ y_mix | x_i) − ½, each in [−½, ½]
     */
    public LossResult compute(NDArray logPolicy, float[] logReference, float[] advantage) {
        float[] policy = checkBatch(logPolicy, logReference.length, advantage.length);
        int samples = policy.length;
        for (int i = 0; i < samples; i++) {
            if (!Float.isFinite(policy[i])) {
                throw new IllegalArgumentException(
                        "Nash-MD logPolicy[" + i + "] = " + policy[i] + " is not finite");
            }
            if (!Float.isFinite(logReference[i])) {
                throw new IllegalArgumentException(
                        "Nash-MD logReference[" + i + "] = " + logReference[i] + " is not finite (the reference must"
                                + " give every sample a finite log-probability)");
            }
            if (!(advantage[i] >= -0.5f && advantage[i] <= 0.5f)) {
                throw new IllegalArgumentException(
                        "Nash-MD advantage[" + i + "] = " + advantage[i] + " is not in [-0.5, 0.5] (it is a win"
                                + " probability minus 1/2)");
            }
        }
        float[] target = new float[samples];
        for (int i = 0; i < samples; i++) {
            target[i] = target(advantage[i]);
        }
        NDManager owner = logPolicy.getManager();
        // Intermediates go to a scratch manager closed on return: autograd keeps its own
        // references to what backward needs, so only the scalar loss outlives this call.
        try (NDManager scratch = owner.newSubManager(logPolicy.getDevice())) {
            DataType type = logPolicy.getDataType();
            NDArray reference = scratch.create(logReference).toType(type, false); // (B)
            NDArray logRatio = logPolicy.sub(reference); // (B)
            logRatio.attach(scratch); // the first operand's manager would otherwise own it
            // sg(·): the KL term's gradient comes from the score function, not from
            // differentiating the log-ratio itself.
            NDArray frozen = logRatio.stopGradient(); // (B)
            frozen.attach(scratch);
            NDArray coefficient = scratch.create(advantage).toType(type, false).sub(frozen.mul(beta)); // (B) a − β sg(r)
            NDArray loss = reduction.reduce(coefficient.mul(logPolicy)).neg(); // ()
            loss.attach(owner);
            NDArray residual = logRatio.sub(scratch.create(target).toType(type, false)); // (B)
            return new LossResult(loss, reduction, logRatio.toFloatArray(), target, residual.toFloatArray());
        }
    }

    /** Refuses anything but a non-empty (B) array with matching lengths; returns it on the host. */
    private static float[] checkBatch(NDArray logPolicy, int referenceLength, int advantageLength) {
        if (logPolicy.getShape().dimension() != 1) {
            throw new IllegalArgumentException(
                    "Nash-MD logPolicy must be a (B) array of sequence log-probabilities, got shape "
                            + logPolicy.getShape());
        }
        int samples = Math.toIntExact(logPolicy.getShape().get(0));
        if (samples == 0) {
            throw new IllegalArgumentException("Nash-MD needs at least one sample, got an empty batch");
        }
        if (referenceLength != samples || advantageLength != samples) {
            throw new IllegalArgumentException(
                    "Nash-MD batch lengths differ: logPolicy " + samples + ", logReference " + referenceLength
                            + ", advantage " + advantageLength);
        }
        return logPolicy.toFloatArray();
    }

    @Override
    public String toString() {
        return "NashMdLoss[beta=" + beta + ", " + reduction + "]";
    }
}
