package io.sppo4j.model.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.sppo4j.model.nd.Autograd;
import io.sppo4j.model.hf.HfCausalModel;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class NashMdLossTest extends TinyPolicyFixture {

    /*
     * The three-sample example, worked by hand (every value is exact in float32 except the mean):
     *   beta          = 0.5
     *   logPolicy     = [-3.0,   -5.5,   -1.25 ]
     *   logReference  = [-3.5,   -4.75,  -2.0  ]
     *   logRatio  r   = [ 0.5,   -0.75,   0.75 ]     logPolicy − logReference
     *   advantage a   = [ 0.5,   -0.25,   0.125]
     *   β r           = [ 0.25,  -0.375,  0.375]
     *   c = a − β r   = [ 0.25,   0.125, -0.25 ]     the (constant) coefficient of log π_θ
     *   −c · logPolicy = [ 0.75,   0.6875, -0.3125]
     *   SUM  = 1.125
     *   MEAN = 1.125 / 3 = 0.375
     *   target = a/β  = [ 1.0,   -0.5,    0.25 ]
     *   residual      = [-0.5,   -0.25,   0.5  ]     r − a/β  (and c = −β · residual)
     *   dSUM/dlogPolicy  = −c     = [-0.25, -0.125, 0.25]
     *   dMEAN/dlogPolicy = −c / 3 = [-1/12, -1/24,  1/12]
     * Without the stop-gradient the derivative would gain β·logPolicy = [-1.5, -2.75, -0.625].
     */
    private static final float BETA = 0.5f;
    private static final float[] LOG_POLICY = {-3.0f, -5.5f, -1.25f};
    private static final float[] LOG_REFERENCE = {-3.5f, -4.75f, -2.0f};
    private static final float[] ADVANTAGE = {0.5f, -0.25f, 0.125f};

    @Test
    void handComputedThreeSampleExample() {
        try (NDManager step = manager.newSubManager()) {
            LossResult mean = new NashMdLoss(BETA).compute(step.create(LOG_POLICY), LOG_REFERENCE, ADVANTAGE);
            assertEquals(Reduction.MEAN, mean.reduction());
            assertEquals(0.375f, mean.loss().getFloat(), 1e-7f);
            assertArrayEquals(new float[] {0.5f, -0.75f, 0.75f}, mean.logRatio());
            assertArrayEquals(new float[] {1.0f, -0.5f, 0.25f}, mean.target());
            assertArrayEquals(new float[] {-0.5f, -0.25f, 0.5f}, mean.residual());
            assertEquals(3, mean.size());

            LossResult sum = new NashMdLoss(BETA, Reduction.SUM).compute(step.create(LOG_POLICY), LOG_REFERENCE, ADVANTAGE);
            assertEquals(1.125f, sum.loss().getFloat(), 0f);
            assertArrayEquals(mean.residual(), sum.residual());
            assertEquals(sum.loss().getFloat() / 3, mean.loss().getFloat(), 1e-7f, "SUM = B · MEAN");
        }
    }

    @Test
    void gradientWithRespectToLogPolicyIsMinusTheRegularisedAdvantageOverTheReduction() {
        assertArrayEquals(new float[] {-1f / 12, -1f / 24, 1f / 12}, gradientOfLogPolicy(Reduction.MEAN), 1e-7f);
        assertArrayEquals(new float[] {-0.25f, -0.125f, 0.25f}, gradientOfLogPolicy(Reduction.SUM), 0f);
    }

    private static float[] gradientOfLogPolicy(Reduction reduction) {
        try (NDManager step = manager.newSubManager()) {
            NDArray logPolicy = step.create(LOG_POLICY);
            logPolicy.setRequiresGradient(true);
            LossResult result;
            try (Autograd.Scope recording = Autograd.recording()) {
                result = new NashMdLoss(BETA, reduction).compute(logPolicy, LOG_REFERENCE, ADVANTAGE);
            }
            Autograd.backward(result.loss());
            float[] gradient = Autograd.gradient(logPolicy, step).toFloatArray();
            float[] logRatio = result.logRatio();
            float scale = reduction == Reduction.MEAN ? 1f / LOG_POLICY.length : 1f;
            for (int i = 0; i < LOG_POLICY.length; i++) {
                float analytic = -(ADVANTAGE[i] - BETA * logRatio[i]) * scale;
                assertEquals(analytic, gradient[i], 1e-7f, "−(a − β·logRatio)/B at " + i);
            }
            return gradient;
        }
    }

    /*
     * The identity the Javadoc relies on, checked exactly on a policy over four responses,
     * π_θ = softmax(θ): the expectation over y ~ π_θ of the single-sample gradient ∇L_y equals
     * −∇J for J(θ) = Σ_y π_θ(y) a(y) − β KL(π_θ ‖ π_ref), J differentiated by autograd directly.
     * The expectation is a π-weighted sum of four exact per-response gradients, so no sampling
     * noise enters: only float32 rounding.
     */
    @Test
    void expectedGradientIsTheGradientOfTheKlRegularisedAdvantage() {
        float beta = 0.7f;
        float[] logits = {0.3f, -0.2f, 1.1f, -0.7f};
        float[] advantage = {0.3f, -0.1f, 0.2f, -0.4f};
        float[] logReference = logSoftmax(new float[] {0f, 0.5f, -0.5f, 0.2f});
        NashMdLoss loss = new NashMdLoss(beta, Reduction.SUM);
        try (NDManager step = manager.newSubManager()) {
            NDArray theta = step.create(logits);
            theta.setRequiresGradient(true);
            float[] pi = step.create(logSoftmax(logits)).exp().toFloatArray();
            float[] expected = new float[logits.length];
            for (int y = 0; y < logits.length; y++) {
                LossResult single;
                try (Autograd.Scope recording = Autograd.recording()) {
                    NDArray logPolicy = theta.logSoftmax(0).get(new NDIndex("{}:{}", y, y + 1)); // (1)
                    single = loss.compute(logPolicy, new float[] {logReference[y]}, new float[] {advantage[y]});
                }
                Autograd.backward(single.loss());
                float[] gradient = Autograd.gradient(theta, step).toFloatArray();
                Autograd.zeroGradient(theta);
                for (int k = 0; k < logits.length; k++) {
                    expected[k] += pi[y] * gradient[k];
                }
            }
            NDArray objective;
            try (Autograd.Scope recording = Autograd.recording()) {
                NDArray logPolicy = theta.logSoftmax(0);
                NDArray policyProbs = logPolicy.exp();
                NDArray kl = policyProbs.mul(logPolicy.sub(step.create(logReference))).sum();
                objective = policyProbs.mul(step.create(advantage)).sum().sub(kl.mul(beta));
            }
            Autograd.backward(objective);
            float[] ascent = Autograd.gradient(theta, step).toFloatArray();
            for (int k = 0; k < logits.length; k++) {
                assertEquals(-ascent[k], expected[k], 1e-6f, "E[∇L] = −∇J at logit " + k);
            }
            assertTrue(Math.abs(ascent[0]) > 1e-2, "a trivial objective would prove nothing: " + ascent[0]);
        }
    }

    private static float[] logSoftmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float logit : logits) {
            max = Math.max(max, logit);
        }
        double total = 0;
        for (float logit : logits) {
            total += Math.exp(logit - max);
        }
        float[] result = new float[logits.length];
        for (int i = 0; i < logits.length; i++) {
            result[i] = (float) (logits[i] - max - Math.log(total));
        }
        return result;
    }

    @Test
    void onlyTheLossOutlivesTheCallInTheCallersManager() {
        try (NDManager step = manager.newSubManager()) {
            NDArray logPolicy = step.create(LOG_POLICY);
            int before = step.getManagedArrays().size();
            LossResult result = new NashMdLoss(BETA).compute(logPolicy, LOG_REFERENCE, ADVANTAGE);
            assertEquals(before + 1, step.getManagedArrays().size());
            assertEquals(step, result.loss().getManager());
        }
    }

    @Test
    void refusesInvalidInputsWithMessagesThatNameTheProblem() {
        assertMessage("Nash-MD beta must be positive and finite, got 0.0", () -> new NashMdLoss(0f));
        assertMessage("Nash-MD beta must be positive and finite, got -0.5", () -> new NashMdLoss(-0.5f));
        assertMessage("Nash-MD beta must be positive and finite, got NaN", () -> new NashMdLoss(Float.NaN));
        assertMessage("Nash-MD beta must be positive and finite, got Infinity", () -> new NashMdLoss(Float.POSITIVE_INFINITY));
        assertMessage("Nash-MD reduction must not be null", () -> new NashMdLoss(BETA, null));
        try (NDManager step = manager.newSubManager()) {
            NashMdLoss loss = new NashMdLoss(BETA);
            NDArray logPolicy = step.create(LOG_POLICY);
            assertMessage("logReference 2", () -> loss.compute(logPolicy, new float[] {-1f, -2f}, ADVANTAGE));
            assertMessage("advantage 4", () -> loss.compute(logPolicy, LOG_REFERENCE, new float[] {0f, 0f, 0f, 0f}));
            assertMessage("advantage[1] = 0.6 is not in [-0.5, 0.5]",
                    () -> loss.compute(logPolicy, LOG_REFERENCE, new float[] {0f, 0.6f, 0f}));
            assertMessage("advantage[0] = -0.75", () -> loss.compute(logPolicy, LOG_REFERENCE, new float[] {-0.75f, 0f, 0f}));
            assertMessage("advantage[2] = NaN", () -> loss.compute(logPolicy, LOG_REFERENCE, new float[] {0f, 0f, Float.NaN}));
            assertMessage("logReference[1] = -Infinity",
                    () -> loss.compute(logPolicy, new float[] {-1f, Float.NEGATIVE_INFINITY, -1f}, ADVANTAGE));
            assertMessage("logReference[0] = NaN", () -> loss.compute(logPolicy, new float[] {Float.NaN, -1f, -1f}, ADVANTAGE));
            assertMessage("logPolicy[2] = -Infinity",
                    () -> loss.compute(step.create(new float[] {-1f, -1f, Float.NEGATIVE_INFINITY}), LOG_REFERENCE, ADVANTAGE));
            assertMessage("(B) array", () -> loss.compute(step.zeros(new Shape(3, 1)), LOG_REFERENCE, ADVANTAGE));
            assertMessage("empty batch", () -> loss.compute(step.zeros(new Shape(0)), new float[0], new float[0]));
        }
    }

    /*
     * Central differences through the real policy. L's gradient is not the derivative of L as a
     * function of θ: sg(log π_θ − log π_ref) is held constant when differentiating, while a
     * perturbed evaluation of L would move it. So the difference quotients are taken of
     *   L̃(θ) = −mean_i c_i⁰ · log π_θ(y_i),   c_i⁰ = a_i − β r_i⁰,
     * the loss with the log-ratio frozen at its unperturbed value r⁰ (read back from the
     * diagnostics), which has exactly the gradient that autograd computes for L at θ⁰.
     * β = 2, a = [0.4, −0.3, 0.1] and log-ratios of −0.4, 0.5, 0.2 at the current weights give
     * c⁰ = [1.2, −1.3, −0.3].
     */
    @Test
    void gradientThroughATinyPolicyMatchesCentralDifferencesWithTheLogRatioFrozen() {
        NashMdLoss loss = new NashMdLoss(2f);
        float[] advantage = {0.4f, -0.3f, 0.1f};
        float[] logReference;
        float[] coefficient = new float[advantage.length];
        float unperturbed;
        try (Autograd.Scope inference = Autograd.paused(); NDManager step = policy.manager().newSubManager()) {
            NDArray logPolicy = score(step, false);
            float[] initial = logPolicy.toFloatArray();
            float[] offset = {-0.4f, 0.5f, 0.2f};
            logReference = new float[initial.length];
            for (int i = 0; i < initial.length; i++) {
                logReference[i] = initial[i] - offset[i];
            }
            LossResult result = loss.compute(logPolicy, logReference, advantage);
            float[] logRatio = result.logRatio();
            for (int i = 0; i < advantage.length; i++) {
                assertEquals(offset[i], logRatio[i], 1e-5f, "log-ratio " + i + " at the unperturbed weights");
                coefficient[i] = advantage[i] - loss.beta() * logRatio[i];
            }
            unperturbed = result.loss().getFloat();
        }
        float[] frozen = coefficient;
        double surrogate = frozenLoss(frozen);
        assertEquals(unperturbed, surrogate, 1e-5 * Math.abs(surrogate), "L̃(θ⁰) = L(θ⁰)");
        float[] constantReference = logReference;
        FiniteDifferences.check(policy, loss + " (log-ratio frozen)",
                step -> loss.compute(score(step, true), constantReference, advantage).loss(),
                () -> frozenLoss(frozen));
    }

    /** −mean_i c_i · log π_θ(y_i) at the current weights, in double from the float32 scores. */
    private static double frozenLoss(float[] coefficient) {
        try (Autograd.Scope inference = Autograd.paused(); NDManager step = policy.manager().newSubManager()) {
            float[] logPolicy = score(step, false).toFloatArray();
            double total = 0;
            for (int i = 0; i < logPolicy.length; i++) {
                total -= (double) coefficient[i] * logPolicy[i];
            }
            return total / logPolicy.length;
        }
    }

    /** The policy's log-probabilities of its "samples": the first response to each prompt. */
    private static NDArray score(NDManager step, boolean training) {
        return FiniteDifferences.SCORER
                .score(policy, step, FiniteDifferences.PROMPTS, FiniteDifferences.WINNERS, training)
                .sequenceLogProbs();
    }

    private static void assertMessage(String fragment, Executable call) {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, call);
        assertTrue(error.getMessage().contains(fragment), "message '" + error.getMessage() + "' lacks '" + fragment + "'");
    }
}
