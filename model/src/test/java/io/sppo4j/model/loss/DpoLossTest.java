package io.sppo4j.model.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.sppo4j.model.nd.Autograd;
import io.sppo4j.model.hf.HfCausalModel;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class DpoLossTest extends TinyPolicyFixture {

    /*
     * The three-pair example, worked by hand (softplus(z) = ln(1 + e^z), σ(z) = 1/(1 + e^−z)):
     *   beta     = 0.5
     *   margins  = [ 0,     2,     -4   ]
     *   −βh      = [ 0,    -1,      2   ]
     *   terms    = softplus(−βh) = [ln 2, ln(1 + e^−1), ln(1 + e²)]
     *            = [0.693147, 0.313262, 2.126928]
     *   SUM  = 3.133337
     *   MEAN = 3.133337 / 3 = 1.044446
     *   target   = [0, 0, 0]                      the decision boundary
     *   residual = margins                        h − 0
     *   dSUM/dh  = −β σ(−βh) = −0.5 · [σ(0), σ(−1), σ(2)] = −0.5 · [0.5, 0.268941, 0.880797]
     *            = [−0.25, −0.134471, −0.440399]
     *   dMEAN/dh = dSUM/dh / 3 = [−0.083333, −0.044824, −0.146800]
     */
    private static final float BETA = 0.5f;
    private static final float[] MARGINS = {0f, 2f, -4f};

    @Test
    void handComputedThreePairExample() {
        try (NDManager step = manager.newSubManager()) {
            LossResult mean = new DpoLoss(BETA).compute(step.create(MARGINS));
            assertEquals(Reduction.MEAN, mean.reduction());
            assertEquals(1.044446f, mean.loss().getFloat(), 1e-6f);
            assertArrayEquals(MARGINS, mean.logRatio());
            assertArrayEquals(new float[3], mean.target());
            assertArrayEquals(MARGINS, mean.residual());
            assertEquals(3, mean.size());

            LossResult sum = new DpoLoss(BETA, Reduction.SUM).compute(step.create(MARGINS));
            assertEquals(3.133337f, sum.loss().getFloat(), 2e-6f);
            assertEquals(sum.loss().getFloat() / 3, mean.loss().getFloat(), 1e-6f, "SUM = P · MEAN");
        }
    }

    @Test
    void gradientWithRespectToTheMarginIsMinusBetaSigmoidOfMinusBetaHOverTheReduction() {
        assertArrayEquals(new float[] {-0.083333f, -0.044824f, -0.146800f}, gradientOfMargins(MARGINS, Reduction.MEAN), 1e-6f);
        assertArrayEquals(new float[] {-0.25f, -0.134471f, -0.440399f}, gradientOfMargins(MARGINS, Reduction.SUM), 1e-6f);
    }

    private static float[] gradientOfMargins(float[] values, Reduction reduction) {
        try (NDManager step = manager.newSubManager()) {
            NDArray margins = step.create(values);
            margins.setRequiresGradient(true);
            LossResult result;
            try (Autograd.Scope recording = Autograd.recording()) {
                result = new DpoLoss(BETA, reduction).compute(margins);
            }
            Autograd.backward(result.loss());
            float[] gradient = Autograd.gradient(margins, step).toFloatArray();
            double scale = reduction == Reduction.MEAN ? 1.0 / values.length : 1.0;
            for (int i = 0; i < values.length; i++) {
                double analytic = -BETA * sigmoid(-BETA * values[i]) * scale;
                assertEquals(analytic, gradient[i], 1e-7, "−β σ(−βh)/P at " + i);
            }
            return gradient;
        }
    }

    private static double sigmoid(double z) {
        return 1 / (1 + Math.exp(-z));
    }

    /*
     * Margins of ±1e4 (β = 1): the textbook −log σ(βh) = log(1 + e^−βh) overflows e^1e4 to
     * infinity. Exactly: softplus(−1e4) = 0 to float32 precision (e^−1e4 underflows), softplus(1e4)
     * = 1e4, so MEAN = 5000; the gradient is −σ(−βh)/2 = [−σ(−1e4), −σ(1e4)]/2 = [0, −0.5].
     */
    @Test
    void extremeMarginsGiveAFiniteLossAndGradient() {
        try (NDManager step = manager.newSubManager()) {
            NDArray margins = step.create(new float[] {1e4f, -1e4f});
            margins.setRequiresGradient(true);
            LossResult result;
            try (Autograd.Scope recording = Autograd.recording()) {
                result = new DpoLoss(1f).compute(margins);
            }
            assertEquals(5000f, result.loss().getFloat(), 0f);
            Autograd.backward(result.loss());
            float[] gradient = Autograd.gradient(margins, step).toFloatArray();
            assertArrayEquals(new float[] {0f, -0.5f}, gradient, 0f);
        }
    }

    @Test
    void onlyTheLossOutlivesTheCallInTheCallersManager() {
        LossContracts.assertOnlyTheLossRemains(manager, MARGINS, new DpoLoss(BETA)::compute);
    }

    @Test
    void refusesInvalidInputsWithMessagesThatNameTheProblem() {
        LossContracts.assertRefusesBadSettings("DPO", DpoLoss::new);
        LossContracts.assertRefusesBadMargins(manager, new DpoLoss(BETA));
    }

    /*
     * Central differences through the real policy: margins of 0.5, −0.4, 0.2 at the current
     * weights, β = 2, so every pair pulls with −2σ(−2h)/3 ≈ [−0.18, −0.46, −0.27] on its margin.
     */
    @Test
    void gradientThroughATinyPolicyMatchesCentralDifferences() {
        FiniteDifferences.checkPairwise(policy, new DpoLoss(2f), new float[] {0.5f, -0.4f, 0.2f});
    }
}
