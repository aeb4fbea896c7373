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

class SlicLossTest extends TinyPolicyFixture {

    /*
     * The three-pair example, worked by hand (every value is exact in float32 except the mean):
     *   beta     = 2
     *   target   = 1/β = 0.5
     *   margins  = [ 0.25, -1.0,  0.75]
     *   1 − βh   = [ 0.5,   3.0, -0.5 ]
     *   hinge    = [ 0.5,   3.0,  0.0 ]            max(0, 1 − βh): the third pair is past the margin
     *   SUM  = 3.5
     *   MEAN = 3.5 / 3 = 1.166667
     *   residual = [-0.25, -1.5,  0.25]            h − 0.5, negative exactly where the hinge is active
     *   dSUM/dh  = [-2.0,  -2.0,  0.0 ]            −β where 1 − βh > 0, else 0
     *   dMEAN/dh = [-2/3,  -2/3,  0.0 ]
     */
    private static final float BETA = 2f;
    private static final float[] MARGINS = {0.25f, -1.0f, 0.75f};

    @Test
    void handComputedThreePairExample() {
        try (NDManager step = manager.newSubManager()) {
            LossResult mean = new SlicLoss(BETA).compute(step.create(MARGINS));
            assertEquals(Reduction.MEAN, mean.reduction());
            assertEquals(3.5f / 3, mean.loss().getFloat(), 1e-6f);
            assertArrayEquals(MARGINS, mean.logRatio());
            assertArrayEquals(new float[] {0.5f, 0.5f, 0.5f}, mean.target());
            assertArrayEquals(new float[] {-0.25f, -1.5f, 0.25f}, mean.residual());
            assertEquals(3, mean.size());

            LossResult sum = new SlicLoss(BETA, Reduction.SUM).compute(step.create(MARGINS));
            assertEquals(3.5f, sum.loss().getFloat(), 0f);
            assertArrayEquals(mean.residual(), sum.residual());
            assertEquals(sum.loss().getFloat() / 3, mean.loss().getFloat(), 1e-6f, "SUM = P · MEAN");
        }
    }

    @Test
    void gradientWithRespectToTheMarginIsMinusBetaWhereTheHingeIsActive() {
        assertArrayEquals(new float[] {-2f / 3, -2f / 3, 0f}, gradientOfMargins(MARGINS, Reduction.MEAN), 1e-7f);
        assertArrayEquals(new float[] {-2f, -2f, 0f}, gradientOfMargins(MARGINS, Reduction.SUM), 0f);
    }

    /* At the kink, h = 1/β = 0.5 exactly: loss 0 and, as documented, gradient 0 (not ½ of −β). */
    @Test
    void atTheKinkTheLossAndGradientAreZero() {
        assertArrayEquals(new float[] {0f}, gradientOfMargins(new float[] {0.5f}, Reduction.SUM), 0f);
    }

    private static float[] gradientOfMargins(float[] values, Reduction reduction) {
        try (NDManager step = manager.newSubManager()) {
            NDArray margins = step.create(values);
            margins.setRequiresGradient(true);
            LossResult result;
            try (Autograd.Scope recording = Autograd.recording()) {
                result = new SlicLoss(BETA, reduction).compute(margins);
            }
            Autograd.backward(result.loss());
            float[] gradient = Autograd.gradient(margins, step).toFloatArray();
            float scale = reduction == Reduction.MEAN ? 1f / values.length : 1f;
            float loss = 0;
            for (int i = 0; i < values.length; i++) {
                float analytic = 1 - BETA * values[i] > 0 ? -BETA * scale : 0f;
                assertEquals(analytic, gradient[i], 1e-7f, "−β/P where 1 − βh > 0, else 0, at " + i);
                loss += Math.max(0, 1 - BETA * values[i]) * scale;
            }
            assertEquals(loss, result.loss().getFloat(), 1e-6f);
            return gradient;
        }
    }

    @Test
    void onlyTheLossOutlivesTheCallInTheCallersManager() {
        LossContracts.assertOnlyTheLossRemains(manager, MARGINS, new SlicLoss(BETA)::compute);
    }

    @Test
    void refusesInvalidInputsWithMessagesThatNameTheProblem() {
        LossContracts.assertRefusesBadSettings("SLiC", SlicLoss::new);
        LossContracts.assertRefusesBadMargins(manager, new SlicLoss(BETA));
    }

    /*
     * Central differences through the real policy: β = 1, margins of 0.5, −0.4, 1.6 at the
     * current weights, so the first two pairs pull with −1/3 and the third, 0.6 past the hinge,
     * not at all. A perturbation of 1e-2 in one weight moves a margin by a few 1e-2, far from
     * the kink, so the loss is smooth over every difference quotient taken.
     */
    @Test
    void gradientThroughATinyPolicyMatchesCentralDifferences() {
        FiniteDifferences.checkPairwise(policy, new SlicLoss(1f), new float[] {0.5f, -0.4f, 1.6f});
    }
}
