package io.sppo4j.model.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.sppo4j.model.nd.Autograd;
import io.sppo4j.model.policy.LanguageModel;
import io.sppo4j.model.weights.NamedTensor;
import io.sppo4j.model.weights.WeightFixtures;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class RmsPropTest {

    private static NDManager manager;

    @BeforeAll
    static void setUp() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void tearDown() {
        manager.close();
    }

    /**
     * Two steps of torch.optim.RMSprop(lr=0.1, alpha=0.9, eps=1e-8, weight_decay=0.5), worked by
     * hand: w = [[1, −2]] (a matrix, decayed), b = [3] (a vector, not decayed), no clipping.
     * Step 1, g_w = [0.5, 1], g_b = [2]:
     *   g_w + 0.5·w = [1, 0]; v_w = 0.1·[1, 0] = [0.1, 0]; w −= 0.1·[1/√0.1, 0/(0+1e-8)] = [1 − 0.316228, −2]
     *   v_b = 0.1·4 = 0.4; b −= 0.1·2/√0.4 = 0.316228
     * Step 2, g_w = [0, 0], g_b = [−1]:
     *   g_w + 0.5·w = [0.341886, −1]; v_w = [0.09 + 0.1·0.116886, 0.1] = [0.101689, 0.1]
     *   w −= 0.1·[0.341886/0.318887, −1/0.316228] = [0.683772 − 0.107212, −2 + 0.316228]
     *   v_b = 0.36 + 0.1 = 0.46; b −= 0.1·(−1)/√0.46 = +0.147442
     */
    @Test
    void twoStepsMatchTorchsRmsPropFormulaWorkedByHand() {
        RmsPropConfig config = new RmsPropConfig(0.1f, 0.9f, 1e-8f, 0.5f, 0f);
        try (ParameterOnlyModel model = twoParameterModel();
                RmsProp rmsProp = new RmsProp(config, new LearningRateSchedule.Constant(0.1f))) {
            backwardWithGradients(model, Map.of("w", new float[] {0.5f, 1f}, "b", new float[] {2f}));
            StepStats first = rmsProp.step(model);
            assertTrue(first.applied());
            assertEquals(1, first.step());
            assertEquals((float) Math.sqrt(0.25 + 1 + 4), first.gradientNorm(), 1e-6);
            assertArrayEquals(new float[] {0.683772f, -2f}, model.array("w").toFloatArray(), 1e-6f);
            assertArrayEquals(new float[] {2.683772f}, model.array("b").toFloatArray(), 1e-6f);

            backwardWithGradients(model, Map.of("w", new float[] {0f, 0f}, "b", new float[] {-1f}));
            rmsProp.step(model);
            double w0 = 0.683772 - 0.1 * 0.341886 / (Math.sqrt(0.09 + 0.1 * 0.341886 * 0.341886) + 1e-8);
            assertArrayEquals(new float[] {(float) w0, -1.683772f}, model.array("w").toFloatArray(), 2e-6f);
            assertArrayEquals(new float[] {(float) (2.683772 + 0.1 / Math.sqrt(0.46))},
                    model.array("b").toFloatArray(), 2e-6f);
            assertEquals(0.576560f, (float) w0, 2e-6f, "the hand-worked value of w[0] after two steps");
            assertEquals(2, rmsProp.stepCount());
        }
    }

    @Test
    void clipsTheGlobalNormBeforeTheUpdate() {
        // ‖g‖ = 5, clipped to 1: g = [0.6, 0.8] (up to torch's 1e-6); v = (1 − α)·g²; update lr·g/√v = lr/√(1 − α) per entry.
        RmsPropConfig config = new RmsPropConfig(0.01f, 0.99f, 1e-8f, 0f, 1f);
        try (ParameterOnlyModel model = new ParameterOnlyModel(manager).add("w", new float[] {0f, 0f}, 2);
                RmsProp rmsProp = new RmsProp(config, new LearningRateSchedule.Constant(0.01f))) {
            backwardWithGradients(model, Map.of("w", new float[] {3f, 4f}));
            StepStats stats = rmsProp.step(model);
            assertTrue(stats.clipped());
            assertEquals(0.2f, stats.clipScale(), 1e-6f);
            float expected = (float) (0.01 / Math.sqrt(0.01));
            assertArrayEquals(new float[] {-expected, -expected}, model.array("w").toFloatArray(), 1e-5f);
        }
    }

    @Test
    void aNonFiniteGradientSkipsTheUpdate() {
        try (ParameterOnlyModel model = new ParameterOnlyModel(manager).add("w", new float[] {1f, 2f}, 2);
                RmsProp rmsProp = new RmsProp(RmsPropConfig.DEFAULTS, new LearningRateSchedule.Constant(1e-2f))) {
            backwardWithGradients(model, Map.of("w", new float[] {Float.NaN, 1f}));
            StepStats skipped = rmsProp.step(model);
            assertFalse(skipped.applied());
            assertEquals(0, rmsProp.stepCount());
            assertArrayEquals(new float[] {1f, 2f}, model.array("w").toFloatArray());
        }
    }

    @Test
    void anExportedStateResumesToTheSameNextStep() {
        RmsPropConfig config = new RmsPropConfig(0.05f, 0.9f, 1e-8f, 0.1f, 0f);
        Map<String, float[]> firstGradients = Map.of("w", new float[] {0.3f, -0.7f}, "b", new float[] {1.5f});
        Map<String, float[]> secondGradients = Map.of("w", new float[] {-0.2f, 0.4f}, "b", new float[] {-0.5f});
        try (ParameterOnlyModel original = twoParameterModel();
                ParameterOnlyModel resumed = twoParameterModel();
                RmsProp trained = new RmsProp(config, new LearningRateSchedule.Constant(0.05f));
                RmsProp restored = new RmsProp(config, new LearningRateSchedule.Constant(0.05f))) {
            backwardWithGradients(original, firstGradients);
            trained.step(original);
            OptimizerState state = trained.exportState();
            List<NamedTensor> copied = WeightFixtures.onHeap(state.tensors());
            assertEquals(List.of("square_avg.w", "square_avg.b"), copied.stream().map(NamedTensor::name).toList());
            restored.restoreState(new OptimizerState(state.algorithm(), state.scalars(), copied), resumed);
            assertEquals(1, restored.stepCount());
            resumed.array("w").set(original.array("w").toFloatArray());
            resumed.array("b").set(original.array("b").toFloatArray());

            backwardWithGradients(original, secondGradients);
            trained.step(original);
            backwardWithGradients(resumed, secondGradients);
            restored.step(resumed);
            assertArrayEquals(original.array("w").toFloatArray(), resumed.array("w").toFloatArray());
            assertArrayEquals(original.array("b").toFloatArray(), resumed.array("b").toFloatArray());
        }
    }

    @Test
    void refusesAStateOfAnotherOptimiserOrShape() {
        try (ParameterOnlyModel model = twoParameterModel();
                AdamW adamW = new AdamW(AdamWConfig.DEFAULTS);
                RmsProp rmsProp = new RmsProp(RmsPropConfig.DEFAULTS, new LearningRateSchedule.Constant(1e-2f))) {
            backwardWithGradients(model, Map.of("w", new float[] {1f, 1f}, "b", new float[] {1f}));
            adamW.step(model);
            IllegalArgumentException wrongAlgorithm =
                    assertThrows(IllegalArgumentException.class, () -> rmsProp.restoreState(adamW.exportState(), model));
            assertTrue(wrongAlgorithm.getMessage().contains("'adamw', not 'rmsprop'"), wrongAlgorithm.getMessage());
            OptimizerState wrongShape = new OptimizerState(RmsProp.ALGORITHM, Map.of(RmsProp.STEP_SCALAR, 1.0),
                    List.of(new NamedTensor("square_avg.w",
                            io.sppo4j.model.weights.TensorDType.F32, new long[] {3}, new byte[12])));
            IllegalArgumentException shape =
                    assertThrows(IllegalArgumentException.class, () -> rmsProp.restoreState(wrongShape, model));
            assertTrue(shape.getMessage().contains("square_avg.w"), shape.getMessage());
            assertEquals(0, rmsProp.stateArrayCount(), "a refused state leaves the optimiser as it was");
        }
    }

    private static ParameterOnlyModel twoParameterModel() {
        return new ParameterOnlyModel(manager).add("w", new float[] {1f, -2f}, 1, 2).add("b", new float[] {3f}, 1);
    }

    private static void backwardWithGradients(LanguageModel model, Map<String, float[]> gradients) {
        try (NDManager scratch = model.manager().newSubManager()) {
            NDArray total = scratch.zeros(new Shape());
            try (Autograd.Scope recording = Autograd.recording()) {
                for (Map.Entry<String, float[]> entry : gradients.entrySet()) {
                    NDArray parameter = model.namedParameters().get(entry.getKey()).getArray();
                    total = total.add(scratch.create(entry.getValue(), parameter.getShape()).mul(parameter).sum());
                }
            }
            Autograd.backward(total);
        }
    }
}
