package io.sppo4j.model.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.sppo4j.model.nd.Autograd;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** The margins every pairwise loss consumes, and the factory by name. */
class PairwiseLossTest {

    /*
     * Three pairs, worked by hand (every value is exact in float32):
     *   policyWinner = [-3.0, -5.5,  -1.25]     refWinner = [-3.5, -4.75, -2.0]
     *   winner ratio = [ 0.5, -0.75,  0.75]     policyWinner − refWinner
     *   policyLoser  = [-4.0, -2.5,  -6.0 ]     refLoser  = [-3.0, -3.0,  -4.5]
     *   loser ratio  = [-1.0,  0.5,  -1.5 ]     policyLoser − refLoser
     *   margins      = [ 1.5, -1.25,  2.25]     winner ratio − loser ratio
     */
    private static final float[] POLICY_WINNER = {-3.0f, -5.5f, -1.25f};
    private static final float[] REF_WINNER = {-3.5f, -4.75f, -2.0f};
    private static final float[] POLICY_LOSER = {-4.0f, -2.5f, -6.0f};
    private static final float[] REF_LOSER = {-3.0f, -3.0f, -4.5f};
    private static final float[] MARGINS = {1.5f, -1.25f, 2.25f};

    private static NDManager manager;

    @BeforeAll
    static void setUp() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void tearDown() {
        manager.close();
    }

    @Test
    void marginsAreTheWinnersLogRatioMinusTheLosers() {
        try (NDManager step = manager.newSubManager()) {
            NDArray margins = PairwiseLoss.margins(step.create(POLICY_WINNER), step.create(POLICY_LOSER), REF_WINNER, REF_LOSER);
            assertEquals(new Shape(3), margins.getShape());
            assertArrayEquals(MARGINS, margins.toFloatArray(), 0f);
        }
    }

    /* ∂h/∂log π_θ(y_w) = +1 and ∂h/∂log π_θ(y_l) = −1 for every pair; through IPO (β = 0.25,
     * target 2, SUM) the loss is Σ (h − 2)², so the gradients are ±2(h − 2) = ±[−1.0, −6.5, 0.5]. */
    @Test
    void gradientFlowsPlusOneIntoTheWinnerAndMinusOneIntoTheLoser() {
        try (NDManager step = manager.newSubManager()) {
            NDArray winner = step.create(POLICY_WINNER);
            NDArray loser = step.create(POLICY_LOSER);
            winner.setRequiresGradient(true);
            loser.setRequiresGradient(true);
            LossResult result;
            try (Autograd.Scope recording = Autograd.recording()) {
                result = new IpoLoss(0.25f, Reduction.SUM).compute(PairwiseLoss.margins(winner, loser, REF_WINNER, REF_LOSER));
            }
            assertArrayEquals(MARGINS, result.logRatio());
            Autograd.backward(result.loss());
            assertArrayEquals(new float[] {-1.0f, -6.5f, 0.5f}, Autograd.gradient(winner, step).toFloatArray(), 0f);
            assertArrayEquals(new float[] {1.0f, 6.5f, -0.5f}, Autograd.gradient(loser, step).toFloatArray(), 0f);
        }
    }

    @Test
    void onlyTheMarginsOutliveTheCallInTheWinnersManager() {
        try (NDManager step = manager.newSubManager(); NDManager other = manager.newSubManager()) {
            NDArray winner = step.create(POLICY_WINNER);
            NDArray loser = other.create(POLICY_LOSER);
            int before = step.getManagedArrays().size();
            int otherBefore = other.getManagedArrays().size();
            NDArray margins = PairwiseLoss.margins(winner, loser, REF_WINNER, REF_LOSER);
            assertEquals(before + 1, step.getManagedArrays().size());
            assertEquals(otherBefore, other.getManagedArrays().size());
            assertEquals(step, margins.getManager());
        }
    }

    @Test
    void marginsRefuseInvalidInputsWithMessagesThatNameTheProblem() {
        try (NDManager step = manager.newSubManager()) {
            NDArray winner = step.create(POLICY_WINNER);
            NDArray loser = step.create(POLICY_LOSER);
            assertMessage("refWinner 2",
                    () -> PairwiseLoss.margins(winner, loser, new float[] {-1f, -2f}, REF_LOSER));
            assertMessage("refLoser 4",
                    () -> PairwiseLoss.margins(winner, loser, REF_WINNER, new float[] {-1f, -1f, -1f, -1f}));
            assertMessage("policyLoser 2",
                    () -> PairwiseLoss.margins(winner, step.create(new float[] {-1f, -2f}), REF_WINNER, REF_LOSER));
            assertMessage("policyWinner must be a (P) array",
                    () -> PairwiseLoss.margins(step.zeros(new Shape(3, 1)), loser, REF_WINNER, REF_LOSER));
            assertMessage("policyLoser must be a (P) array",
                    () -> PairwiseLoss.margins(winner, step.zeros(new Shape(3, 1)), REF_WINNER, REF_LOSER));
            assertMessage("empty policyWinner",
                    () -> PairwiseLoss.margins(step.zeros(new Shape(0)), step.zeros(new Shape(0)), new float[0], new float[0]));
            assertMessage("refWinner[1] = NaN",
                    () -> PairwiseLoss.margins(winner, loser, new float[] {-1f, Float.NaN, -1f}, REF_LOSER));
            assertMessage("refLoser[0] = -Infinity",
                    () -> PairwiseLoss.margins(winner, loser, REF_WINNER, new float[] {Float.NEGATIVE_INFINITY, -1f, -1f}));
        }
    }

    @Test
    void factoryBuildsEachLossByName() {
        PairwiseLoss dpo = PairwiseLoss.of("dpo", 0.1f, Reduction.MEAN);
        assertInstanceOf(DpoLoss.class, dpo);
        assertEquals("dpo", dpo.name());
        assertEquals(0.1f, ((DpoLoss) dpo).beta());
        assertEquals(0f, dpo.target());
        PairwiseLoss ipo = PairwiseLoss.of(" IPO ", 0.25f, Reduction.SUM);
        assertInstanceOf(IpoLoss.class, ipo);
        assertEquals("ipo", ipo.name());
        assertEquals(Reduction.SUM, ipo.reduction());
        assertEquals(2f, ipo.target());
        PairwiseLoss slic = PairwiseLoss.of("SLiC", 2f, Reduction.MEAN);
        assertInstanceOf(SlicLoss.class, slic);
        assertEquals("slic", slic.name());
        assertEquals(0.5f, slic.target());
        assertMessage("unknown pairwise loss 'kto'", () -> PairwiseLoss.of("kto", 1f, Reduction.MEAN));
        assertMessage("unknown pairwise loss 'null'", () -> PairwiseLoss.of(null, 1f, Reduction.MEAN));
        assertMessage("IPO beta must be positive", () -> PairwiseLoss.of("ipo", 0f, Reduction.MEAN));
    }

    private static void assertMessage(String fragment, Executable call) {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, call);
        assertTrue(error.getMessage().contains(fragment), "message '" + error.getMessage() + "' lacks '" + fragment + "'");
    }
}
