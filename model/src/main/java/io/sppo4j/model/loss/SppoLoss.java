package io.sppo4j.model.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

/**
 * The SPPO regression loss (Wu et al. 2024, "Self-Play Preference Optimization for Language
 * Model Alignment"): for judged samples {@code y_i ~ π_t(·|x_i)} with estimated win rates
 * {@code p̂_i = P(y_i ≻ π_t | x_i)},
 *
 * <pre>
 *   L(θ) = reduce_i ( log π_θ(y_i|x_i) − log π_t(y_i|x_i) − η (p̂_i − ½) )²
 * </pre>
 *
 * whose minimiser over an unrestricted policy is the multiplicative-weights step
 * {@code π_{t+1}(y|x) ∝ π_t(y|x) · exp(η P(y ≻ π_t | x))}.
 *
 * <p>DESIGN.md and the paper write the sum over samples; the default here is the mean
 * ({@link Reduction#MEAN}). Both have the same minimiser, and the mean keeps the gradient's
 * scale, and so the learning rate that works, independent of the batch size.
 *
 * <p>{@code log π_t} is the log-probability under the weights that sampled the response, as the
 * rollout recorded it; it is a constant here, never differentiated, so the loss stays correct
 * when samples are a few weight versions old.
 */
public final class SppoLoss {

    private final float eta;
    private final Reduction reduction;

    /** Averaged over the batch. */
    public SppoLoss(float eta) {
        this(eta, Reduction.MEAN);
    }

    /**
     * @param eta step size η of the multiplicative-weights update: the larger, the further
     *     π_{t+1} moves from π_t toward responses that win
     */
    public SppoLoss(float eta, Reduction reduction) {
        if (!(eta > 0f) || !Float.isFinite(eta)) {
            throw new IllegalArgumentException("SPPO eta must be positive and finite, got " + eta);
        }
        if (reduction == null) {
            throw new IllegalArgumentException("SPPO reduction must not be null");
        }
        this.eta = eta;
        this.reduction = reduction;
    }

    public float eta() {
        return eta;
    }

    public Reduction reduction() {
        return reduction;
    }

    /** The regression target {@code η (p̂ − ½)} of a sample with win rate {@code winRate}. */
    public float target(float winRate) {
        return eta * (winRate - 0.5f);
    }

    /**
     * @param logPolicy (B) log π_θ(y_i|x_i), differentiable (e.g. SequenceScorer's
     *     sequenceLogProbs under {@code Autograd.recording()}); the loss is created in its manager
     * @param logSampler (B) log π_t(y_i|x_i) recorded by the sampler; a constant
     * @param winRate (B) p̂_i in [0, 1]
     */
    public LossResult compute(NDArray logPolicy, float[] logSampler, float[] winRate) {
        int samples = checkBatch(logPolicy, logSampler.length, winRate.length);
        for (int i = 0; i < samples; i++) {
            if (!Float.isFinite(logSampler[i])) {
                throw new IllegalArgumentException(
                        "SPPO logSampler[" + i + "] = " + logSampler[i] + " is not finite (the sampler must record"
                                + " the log-probability of what it sampled)");
            }
            if (!(winRate[i] >= 0f && winRate[i] <= 1f)) {
                throw new IllegalArgumentException("SPPO winRate[" + i + "] = " + winRate[i] + " is not in [0, 1]");
            }
        }
        float[] target = new float[samples];
        for (int i = 0; i < samples; i++) {
            target[i] = target(winRate[i]);
        }
        NDManager owner = logPolicy.getManager();
        // Intermediates go to a scratch manager closed on return: autograd keeps its own
        // references to what backward needs, so only the scalar loss outlives this call.
        try (NDManager scratch = owner.newSubManager(logPolicy.getDevice())) {
            DataType type = logPolicy.getDataType();
            NDArray sampler = scratch.create(logSampler).toType(type, false); // (B)
            NDArray targets = scratch.create(target).toType(type, false); // (B)
            NDArray logRatio = logPolicy.sub(sampler); // (B)
            logRatio.attach(scratch); // the first operand's manager would otherwise own it
            NDArray residual = logRatio.sub(targets); // (B)
            NDArray loss = reduction.reduce(residual.square()); // ()
            loss.attach(owner);
            return new LossResult(loss, reduction, logRatio.toFloatArray(), target, residual.toFloatArray());
        }
    }

    /**
     * As {@link #compute(NDArray, float[], float[])}, with the sampler's log-probabilities as an
     * array; they are copied to the host and never differentiated.
     *
     * @param logSampler (B) float32
     */
    public LossResult compute(NDArray logPolicy, NDArray logSampler, float[] winRate) {
        if (logSampler.getShape().dimension() != 1 || logSampler.getDataType() != DataType.FLOAT32) {
            throw new IllegalArgumentException(
                    "SPPO logSampler must be a (B) float32 array, got " + logSampler.getShape() + " "
                            + logSampler.getDataType());
        }
        return compute(logPolicy, logSampler.toFloatArray(), winRate);
    }

    private static int checkBatch(NDArray logPolicy, int samplerLength, int winRateLength) {
        if (logPolicy.getShape().dimension() != 1) {
            throw new IllegalArgumentException(
                    "SPPO logPolicy must be a (B) array of sequence log-probabilities, got shape " + logPolicy.getShape());
        }
        int samples = Math.toIntExact(logPolicy.getShape().get(0));
        if (samples == 0) {
            throw new IllegalArgumentException("SPPO needs at least one sample, got an empty batch");
        }
        if (samplerLength != samples || winRateLength != samples) {
            throw new IllegalArgumentException(
                    "SPPO batch lengths differ: logPolicy " + samples + ", logSampler " + samplerLength
                            + ", winRate " + winRateLength);
        }
        return samples;
    }

    @Override
    public String toString() {
        return "SppoLoss[eta=" + eta + ", " + reduction + "]";
    }
}
