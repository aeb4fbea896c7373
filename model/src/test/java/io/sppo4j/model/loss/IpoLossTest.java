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

class IpoLossTest extends TinyPolicyFixture {

    /*
     * The three-pair example, worked by hand (every value is exact in float32 except the mean):
     *   beta     = 0.25
     *   target   = 1/(2β) = 2
     *   margins  = [ 2.5,  -1.0,  2.0]
     *   residual = [ 0.5,  -3.0,  0.0]            h − 2
     *   squares  = [ 0.25,  9.0,  0.0]
     *   SUM  = 9.25
     *   MEAN = 9.25 / 3 = 3.083333
     *   dSUM/dh  = 2 · residual     = [1.0, -6.0, 0.0]
     *   dMEAN/dh = 2/3 · residual   = [1/3, -2.0, 0.0]
     */
    private static final float BETA = 0.25f;
    private static final float[] MARGINS = {2.5f, -1.0f, 2.0f};

    @Test
    void handComputedThreePairExample() {
        try (NDManager step = manager.newSubManager()) {
            LossResult mean = new IpoLoss(BETA).compute(step.create(MARGINS));
            assertEquals(Reduction.MEAN, mean.reduction());
            assertEquals(9.25f / 3, mean.loss().getFloat(), 1e-6f);
            assertArrayEquals(MARGINS, mean.logRatio());
            assertArrayEquals(new float[] {2f, 2f, 2f}, mean.target());
            assertArrayEquals(new float[] {0.5f, -3.0f, 0.0f}, mean.residual());
            assertEquals(3, mean.size());
            assertEquals(2f, new IpoLoss(BETA).target());

            LossResult sum = new IpoLoss(BETA, Reduction.SUM).compute(step.create(MARGINS));
            assertEquals(9.25f, sum.loss().getFloat(), 0f);
            assertArrayEquals(mean.residual(), sum.residual());
            assertEquals(sum.loss().getFloat() / 3, mean.loss().getFloat(), 1e-6f, "SUM = P · MEAN");
        }
    }

    @Test
    void gradientWithRespectToTheMarginIsTwiceTheResidualOverTheReduction() {
        assertArrayEquals(new float[] {1f / 3, -2f, 0f}, gradientOfMargins(Reduction.MEAN), 1e-7f);
        assertArrayEquals(new float[] {1f, -6f, 0f}, gradientOfMargins(Reduction.SUM), 0f);
    }

    private static float[] gradientOfMargins(Reduction reduction) {
        try (NDManager step = manager.newSubManager()) {
            NDArray margins = step.create(MARGINS);
            margins.setRequiresGradient(true);
            LossResult result;
            try (Autograd.Scope recording = Autograd.recording()) {
                result = new IpoLoss(BETA, reduction).compute(margins);
            }
            Autograd.backward(result.loss());
            float[] gradient = Autograd.gradient(margins, step).toFloatArray();
            float scale = reduction == Reduction.MEAN ? 1f / MARGINS.length : 1f;
            for (int i = 0; i < MARGINS.length; i++) {
                float analytic = 2 * (MARGINS[i] - 1 / (2 * BETA)) * scale;
                assertEquals(analytic, gradient[i], 1e-7f, "2(h − 1/(2β))/P at " + i);
            }
            return gradient;
        }
    }

    @Test
    void onlyTheLossOutlivesTheCallInTheCallersManager() {
        LossContracts.assertOnlyTheLossRemains(manager, MARGINS, new IpoLoss(BETA)::compute);
    }

    @Test
    void refusesInvalidInputsWithMessagesThatNameTheProblem() {
        LossContracts.assertRefusesBadSettings("IPO", IpoLoss::new);
        LossContracts.assertRefusesBadMargins(manager, new IpoLoss(BETA));
    }

    /*
     * Central differences through the real policy: β = 0.5, so the target is 1, and margins of
     * 0.5, −0.4, 1.6 at the current weights pull with 2(h − 1)/3 = [−0.33, −0.93, 0.40].
     */
    @Test
    void gradientThroughATinyPolicyMatchesCentralDifferences() {
        FiniteDifferences.checkPairwise(policy, new IpoLoss(0.5f), new float[] {0.5f, -0.4f, 1.6f});
    }
}
