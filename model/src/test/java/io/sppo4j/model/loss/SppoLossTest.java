package io.sppo4j.model.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.sppo4j.model.nd.Autograd;
import io.sppo4j.model.scoring.SequenceScorer;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class SppoLossTest extends TinyPolicyFixture {

    /*
     * The three-sample example, worked by hand (every value is exact in float32 except the mean):
     *   eta = 2
     *   logPolicy  = [-3.0,  -5.5,  -1.25]
     *   logSampler = [-3.5,  -4.75, -2.0 ]
     *   logRatio   = [ 0.5,  -0.75,  0.75]          logPolicy − logSampler
     *   winRate    = [ 1.0,   0.25,  0.625]
     *   target     = [ 1.0,  -0.5,   0.25]          2 · (winRate − 0.5)
     *   residual   = [-0.5,  -0.25,  0.5 ]          logRatio − target
     *   squares    = [ 0.25,  0.0625, 0.25]
     *   SUM  = 0.5625
     *   MEAN = 0.5625 / 3 = 0.1875
     *   dMEAN/dlogPolicy = 2/3 · residual = [-1/3, -1/6, 1/3]
     *   dSUM/dlogPolicy  = 2 · residual   = [-1.0, -0.5, 1.0]
     */
    private static final float ETA = 2f;
    private static final float[] LOG_POLICY = {-3.0f, -5.5f, -1.25f};
    private static final float[] LOG_SAMPLER = {-3.5f, -4.75f, -2.0f};
    private static final float[] WIN_RATE = {1.0f, 0.25f, 0.625f};

    @Test
    void handComputedThreeSampleExample() {
        try (NDManager step = manager.newSubManager()) {
            LossResult mean = new SppoLoss(ETA).compute(step.create(LOG_POLICY), LOG_SAMPLER, WIN_RATE);
            assertEquals(Reduction.MEAN, mean.reduction());
            assertEquals(0.1875f, mean.loss().getFloat(), 1e-7f);
            assertArrayEquals(new float[] {0.5f, -0.75f, 0.75f}, mean.logRatio());
            assertArrayEquals(new float[] {1.0f, -0.5f, 0.25f}, mean.target());
            assertArrayEquals(new float[] {-0.5f, -0.25f, 0.5f}, mean.residual());
            assertEquals(3, mean.size());

            LossResult sum = new SppoLoss(ETA, Reduction.SUM).compute(step.create(LOG_POLICY), LOG_SAMPLER, WIN_RATE);
            assertEquals(0.5625f, sum.loss().getFloat(), 0f);
            assertArrayEquals(mean.residual(), sum.residual());
            assertEquals(sum.loss().getFloat() / 3, mean.loss().getFloat(), 1e-7f, "SUM = B · MEAN");
        }
    }

    @Test
    void gradientWithRespectToLogPolicyIsTwiceTheResidualOverTheReduction() {
        assertArrayEquals(new float[] {-1f / 3, -1f / 6, 1f / 3}, gradientOfLogPolicy(Reduction.MEAN), 1e-7f);
        assertArrayEquals(new float[] {-1f, -0.5f, 1f}, gradientOfLogPolicy(Reduction.SUM), 1e-7f);
    }

    private static float[] gradientOfLogPolicy(Reduction reduction) {
        try (NDManager step = manager.newSubManager()) {
            NDArray logPolicy = step.create(LOG_POLICY);
            logPolicy.setRequiresGradient(true);
            LossResult result;
            try (Autograd.Scope recording = Autograd.recording()) {
                result = new SppoLoss(ETA, reduction).compute(logPolicy, LOG_SAMPLER, WIN_RATE);
            }
            Autograd.backward(result.loss());
            float[] analytic = result.residual();
            float scale = reduction == Reduction.MEAN ? 2f / analytic.length : 2f;
            float[] gradient = Autograd.gradient(logPolicy, step).toFloatArray();
            for (int i = 0; i < analytic.length; i++) {
                assertEquals(scale * analytic[i], gradient[i], 1e-7f, "2/B · residual at " + i);
            }
            return gradient;
        }
    }

    @Test
    void samplerLogProbabilitiesAsAnArrayAreAConstant() {
        try (NDManager step = manager.newSubManager()) {
            NDArray logPolicy = step.create(LOG_POLICY);
            NDArray logSampler = step.create(LOG_SAMPLER);
            logPolicy.setRequiresGradient(true);
            logSampler.setRequiresGradient(true);
            LossResult result;
            try (Autograd.Scope recording = Autograd.recording()) {
                result = new SppoLoss(ETA).compute(logPolicy, logSampler, WIN_RATE);
            }
            assertEquals(0.1875f, result.loss().getFloat(), 1e-7f);
            Autograd.backward(result.loss());
            assertArrayEquals(new float[3], Autograd.gradient(logSampler, step).toFloatArray(), "no gradient into log π_t");
        }
    }

    @Test
    void onlyTheLossOutlivesTheCallInTheCallersManager() {
        try (NDManager step = manager.newSubManager()) {
            NDArray logPolicy = step.create(LOG_POLICY);
            int before = step.getManagedArrays().size();
            LossResult result = new SppoLoss(ETA).compute(logPolicy, LOG_SAMPLER, WIN_RATE);
            assertEquals(before + 1, step.getManagedArrays().size());
            assertEquals(step, result.loss().getManager());
        }
    }

    @Test
    void refusesInvalidInputsWithMessagesThatNameTheProblem() {
        assertMessage("eta must be positive", () -> new SppoLoss(0f));
        assertMessage("eta must be positive", () -> new SppoLoss(Float.NaN));
        try (NDManager step = manager.newSubManager()) {
            SppoLoss loss = new SppoLoss(ETA);
            NDArray logPolicy = step.create(LOG_POLICY);
            assertMessage("logSampler 2", () -> loss.compute(logPolicy, new float[] {-1f, -2f}, WIN_RATE));
            assertMessage("winRate 4", () -> loss.compute(logPolicy, LOG_SAMPLER, new float[] {0f, 0f, 0f, 0f}));
            assertMessage("winRate[1] = 1.5", () -> loss.compute(logPolicy, LOG_SAMPLER, new float[] {0f, 1.5f, 0f}));
            assertMessage("winRate[0] = -0.1", () -> loss.compute(logPolicy, LOG_SAMPLER, new float[] {-0.1f, 0f, 0f}));
            assertMessage("winRate[2] = NaN", () -> loss.compute(logPolicy, LOG_SAMPLER, new float[] {0f, 0f, Float.NaN}));
            assertMessage("logSampler[1] = -Infinity",
                    () -> loss.compute(logPolicy, new float[] {-1f, Float.NEGATIVE_INFINITY, -1f}, WIN_RATE));
            assertMessage("logSampler[0] = NaN", () -> loss.compute(logPolicy, new float[] {Float.NaN, -1f, -1f}, WIN_RATE));
            assertMessage("(B) array", () -> loss.compute(step.zeros(new Shape(3, 1)), LOG_SAMPLER, WIN_RATE));
            assertMessage("empty batch", () -> loss.compute(step.zeros(new Shape(0)), new float[0], new float[0]));
        }
    }

    /**
     * Float32 rounding in the forward pass moves the loss by a few 1e-6 from one perturbed
     * evaluation to the next (measured: ~2e-3 error in the quotient at h = 1e-3, i.e. ~4e-6 in
     * the loss); over 2h = 2e-2 that is up to ~2e-4 in a difference quotient whatever the
     * gradient's size.
     */

    /**
     * Central differences through the real policy: SequenceScorer's log-probabilities of three
     * responses, the SPPO loss, and back, compared element by element with autograd for the
     * two largest-gradient elements of several parameters. h = 1e-2 keeps the float32 noise
     * ({@link #NOISE_FLOOR}) small beside gradients of 1e-2 and more, while the O(h²) truncation
     * stays below 1% (one weight moving by 1e-2 barely bends the log-probabilities). h = 1e-3 is
     * printed for comparison: there the noise dominates for the smaller gradients.
     */
    @Test
    void gradientThroughATinyPolicyMatchesCentralDifferences() {
        List<int[]> prompts = FiniteDifferences.PROMPTS;
        List<int[]> responses = FiniteDifferences.WINNERS;
        SppoLoss loss = new SppoLoss(4f);
        float[] winRate = {0.9f, 0.2f, 0.7f};
        float[] logSampler;
        try (Autograd.Scope inference = Autograd.paused(); NDManager step = policy.manager().newSubManager()) {
            float[] initial = FiniteDifferences.SCORER.score(policy, step, prompts, responses, false)
                    .sequenceLogProbs().toFloatArray();
            // Log-ratios of 0.5, -0.4, 0.2 at the current weights against targets 1.6, -1.2, 0.8.
            float[] offset = {0.5f, -0.4f, 0.2f};
            logSampler = new float[initial.length];
            for (int i = 0; i < initial.length; i++) {
                logSampler[i] = initial[i] - offset[i];
            }
        }
        FiniteDifferences.check(policy, "SPPO",
                step -> loss.compute(FiniteDifferences.SCORER.score(policy, step, prompts, responses, true)
                        .sequenceLogProbs(), logSampler, winRate).loss(),
                () -> {
                    try (Autograd.Scope inference = Autograd.paused(); NDManager step = policy.manager().newSubManager()) {
                        return (double) loss.compute(FiniteDifferences.SCORER.score(policy, step, prompts, responses, false)
                                .sequenceLogProbs(), logSampler, winRate).loss().getFloat();
                    }
                });
    }

    private static void assertMessage(String fragment, Executable call) {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, call);
        assertTrue(error.getMessage().contains(fragment), "message '" + error.getMessage() + "' lacks '" + fragment + "'");
    }
}
