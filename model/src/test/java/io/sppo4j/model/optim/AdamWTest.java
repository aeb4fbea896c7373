package io.sppo4j.model.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import io.sppo4j.model.TestPolicies;
import io.sppo4j.model.loss.LossResult;
import io.sppo4j.model.loss.SppoLoss;
import io.sppo4j.model.nd.Autograd;
import io.sppo4j.model.policy.LanguageModel;
import io.sppo4j.model.hf.HfCausalModel;
import io.sppo4j.model.scoring.SequenceScorer;
import io.sppo4j.model.tokenizer.ByteTokenizer;
import io.sppo4j.model.weights.NamedTensor;
import io.sppo4j.model.weights.TensorList;
import io.sppo4j.model.weights.TensorSpec;
import io.sppo4j.model.weights.WeightFixtures;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class AdamWTest {

    private static final SequenceScorer SCORER = new SequenceScorer(ByteTokenizer.PAD);

    private static NDManager manager;

    @BeforeAll
    static void setUp() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void tearDown() {
        manager.close();
    }

    // ---- arithmetic against an independent double-precision reference -------------------------

    @Test
    void matchesAReferenceAdamWWithGlobalClippingAndDecayOnMatricesOnly() {
        AdamWConfig config = new AdamWConfig(0.05f, 0.9f, 0.99f, 1e-8f, 0.1f, 2.0f);
        LearningRateSchedule schedule = new LearningRateSchedule.CosineWithWarmup(0.05f, 2, 6, 0.01f);
        SplittableRandom random = new SplittableRandom(5);
        Map<String, long[]> shapes = new LinkedHashMap<>();
        shapes.put("layer.weight", new long[] {2, 3});
        shapes.put("layer.bias", new long[] {3});
        shapes.put("unused.weight", new long[] {2, 2});
        shapes.put("unused.bias", new long[] {2});
        shapes.put("frozen.weight", new long[] {2, 2});
        try (ParameterOnlyModel model = new ParameterOnlyModel(manager); AdamW adamW = new AdamW(config, schedule)) {
            Map<String, double[]> reference = new LinkedHashMap<>();
            for (Map.Entry<String, long[]> entry : shapes.entrySet()) {
                float[] values = uniform(random, size(entry.getValue()), 1.0);
                model.add(entry.getKey(), values, entry.getValue());
                reference.put(entry.getKey(), toDouble(values));
            }
            model.namedParameters().get("frozen.weight").freeze(true);
            ReferenceAdamW expected = new ReferenceAdamW(config, reference, shapes, List.of("frozen.weight"));
            boolean clippedOnce = false;
            for (int t = 1; t <= 6; t++) {
                // Only layer.* get gradients; unused.* take part in no backward pass.
                Map<String, float[]> gradients = new HashMap<>();
                gradients.put("layer.weight", uniform(random, 6, 2.0));
                gradients.put("layer.bias", uniform(random, 3, 2.0));
                backwardWithGradients(model, gradients);
                StepStats stats = adamW.step(model);
                ReferenceAdamW.Step step = expected.step(gradients, schedule.at(t));

                assertEquals(t, stats.step());
                assertEquals(t, adamW.stepCount());
                assertTrue(stats.applied());
                assertEquals(schedule.at(t), stats.learningRate());
                assertEquals(step.norm(), stats.gradientNorm(), 1e-6 * step.norm());
                assertEquals(step.scale(), stats.clipScale(), 1e-6);
                clippedOnce |= stats.clipped();
                // float32 against double: the parameters (of order 1) drift apart by ~1e-7 in six steps.
                for (String name : shapes.keySet()) {
                    assertArrayEquals(expected.values(name), toDouble(model.array(name).toFloatArray()), 5e-7,
                            name + " after step " + t);
                }
            }
            assertTrue(clippedOnce, "the gradients were meant to exceed maxGradNorm at least once");
            assertArrayEquals(toFloat(reference.get("unused.bias")), model.array("unused.bias").toFloatArray(),
                    "a vector without gradient neither moves nor decays");
            List<String> exported = adamW.exportState().tensors().specs().stream().map(TensorSpec::name).toList();
            assertEquals(List.of("m.layer.weight", "v.layer.weight", "m.layer.bias", "v.layer.bias",
                    "m.unused.weight", "v.unused.weight", "m.unused.bias", "v.unused.bias"), exported,
                    "moments for every trainable parameter, in model order; none for the frozen one");
        }
    }

    @Test
    void weightDecayAppliesToMatricesAndEmbeddingsOnly() {
        assertTrue(AdamW.appliesWeightDecay(new Shape(259, 32)));
        assertTrue(AdamW.appliesWeightDecay(new Shape(2, 3, 4)));
        assertFalse(AdamW.appliesWeightDecay(new Shape(32)));
        assertFalse(AdamW.appliesWeightDecay(new Shape()));
    }

    @Test
    void aNonFiniteGradientSkipsTheUpdateAndClearsTheGradient() {
        try (ParameterOnlyModel model = new ParameterOnlyModel(manager).add("w", new float[] {1f, 2f}, 1, 2);
                AdamW adamW = new AdamW(AdamWConfig.DEFAULTS)) {
            backwardWithGradients(model, Map.of("w", new float[] {Float.NaN, 1f}));
            StepStats skipped = adamW.step(model);
            assertFalse(skipped.applied());
            assertTrue(Float.isNaN(skipped.gradientNorm()));
            assertEquals(0, skipped.step());
            assertEquals(0, adamW.stepCount());
            assertArrayEquals(new float[] {1f, 2f}, model.array("w").toFloatArray());
            try (NDManager scratch = manager.newSubManager()) {
                assertArrayEquals(new float[2], Autograd.gradient(model.array("w"), scratch).toFloatArray());
            }
            backwardWithGradients(model, Map.of("w", new float[] {0.5f, -0.5f}));
            StepStats applied = adamW.step(model);
            assertTrue(applied.applied());
            assertEquals(1, applied.step());
        }
    }

    @Test
    void aSkippedStepNamesTheFirstParameterWhoseGradientIsNotFinite() {
        try (ParameterOnlyModel model = new ParameterOnlyModel(manager)
                        .add("a", new float[] {1f}, 1).add("b", new float[] {1f, 2f}, 2).add("c", new float[] {3f}, 1);
                AdamW adamW = new AdamW(AdamWConfig.DEFAULTS)) {
            backwardWithGradients(model, Map.of(
                    "a", new float[] {0.5f}, "b", new float[] {1f, Float.POSITIVE_INFINITY}, "c", new float[] {Float.NaN}));
            StepStats skipped = adamW.step(model);
            assertFalse(skipped.applied());
            assertTrue(skipped.skipCause().contains("non-finite gradient in b (") && skipped.skipCause().contains("1 more"),
                    skipped.skipCause());
            backwardWithGradients(model, Map.of("a", new float[] {0.5f}, "b", new float[] {1f, 1f}, "c", new float[] {1f}));
            StepStats applied = adamW.step(model);
            assertTrue(applied.applied());
            assertNull(applied.skipCause());
        }
    }

    // ---- on a real policy ------------------------------------------------------------------------

    @Test
    void lowersTheSppoLossOfATinyPolicyWithoutGrowingNativeMemory() {
        List<int[]> prompts = TestPolicies.prompts(41, 3, 6, 4);
        List<int[]> responses = responses(42, 4, 6, 3);
        float[] winRate = {0.9f, 0.1f, 0.6f};
        SppoLoss loss = new SppoLoss(2f);
        try (NDManager run = manager.newSubManager();
                HfCausalModel policy = TestPolicies.tiny(run, 43);
                AdamW adamW = new AdamW(AdamWConfig.DEFAULTS.withLearningRate(1e-3f))) {
            // Log-ratios start at 0 against targets 0.8, -0.8, 0.2: loss (0.64 + 0.64 + 0.04) / 3 = 0.44.
            float[] logSampler = scores(policy, prompts, responses);
            int parameterArrays = policy.manager().getManagedArrays().size();
            float first = 0;
            float last = 0;
            int stateArrays = -1;
            for (int step = 1; step <= 50; step++) {
                float value = backwardSppo(policy, loss, prompts, responses, logSampler, winRate);
                adamW.step(policy);
                if (step == 1) {
                    first = value;
                    stateArrays = adamW.stateArrayCount();
                }
                last = value;
                assertEquals(parameterArrays, policy.manager().getManagedArrays().size(),
                        "arrays under the policy's manager after step " + step);
                assertEquals(stateArrays, adamW.stateArrayCount(), "optimiser state arrays after step " + step);
            }
            assertEquals(0.44f, first, 1e-5f);
            assertEquals(2 * policy.namedParameters().size(), stateArrays, "m and v per parameter");
            assertTrue(last < 0.05f * first, "SPPO loss went from " + first + " to " + last + " in 50 steps");
        }
    }

    @Test
    void resumingFromExportedStateIsBitIdenticalToNeverStopping() {
        AdamWConfig config = new AdamWConfig(1e-2f, 0.9f, 0.999f, 1e-8f, 0.1f, 0.5f);
        LearningRateSchedule schedule = new LearningRateSchedule.CosineWithWarmup(1e-2f, 3, 10, 1e-3f);
        try (NDManager run = manager.newSubManager();
                HfCausalModel original = TestPolicies.tiny(run, 51);
                HfCausalModel resumed = TestPolicies.tiny(run, 52);
                AdamW continuing = new AdamW(config, schedule);
                AdamW restored = new AdamW(config, schedule)) {
            boolean clipped = false;
            for (int step = 1; step <= 5; step++) {
                clipped |= trainingStep(original, continuing, step).clipped();
            }
            OptimizerState checkpoint = WeightFixtures.onHeap(continuing.exportState()); // the export is live
            Map<String, float[]> weights = weights(original);

            for (int step = 6; step <= 10; step++) {
                clipped |= trainingStep(original, continuing, step).clipped();
            }

            overwrite(resumed, weights);
            restored.restoreState(checkpoint, resumed);
            assertEquals(5, restored.stepCount());
            for (int step = 6; step <= 10; step++) {
                assertEquals(step, trainingStep(resumed, restored, step).step());
            }

            assertTrue(clipped, "clipping should take part in the run being resumed");
            Map<String, float[]> a = weights(original);
            Map<String, float[]> b = weights(resumed);
            for (String name : a.keySet()) {
                assertArrayEquals(a.get(name), b.get(name), name + " differs after resuming");
            }
            assertEquals(WeightFixtures.onHeap(continuing.exportState()), WeightFixtures.onHeap(restored.exportState()),
                    "moments and step count");
        }
    }

    @Test
    void aResetOptimiserStepsAsANewOne() {
        AdamWConfig config = new AdamWConfig(1e-2f, 0.9f, 0.999f, 1e-8f, 0.1f, 0.5f);
        LearningRateSchedule schedule = new LearningRateSchedule.LinearWithWarmup(1e-2f, 2, 6);
        try (NDManager run = manager.newSubManager();
                HfCausalModel trained = TestPolicies.tiny(run, 53);
                HfCausalModel fresh = TestPolicies.tiny(run, 54);
                AdamW reused = new AdamW(config, schedule);
                AdamW brandNew = new AdamW(config, schedule)) {
            for (int step = 1; step <= 3; step++) {
                trainingStep(trained, reused, step);
            }
            reused.reset();
            assertEquals(0, reused.stepCount(), "the schedule starts again");
            assertEquals(0, reused.stateArrayCount(), "the moments are freed");
            overwrite(fresh, weights(trained));
            for (int step = 1; step <= 3; step++) {
                StepStats a = trainingStep(trained, reused, step);
                StepStats b = trainingStep(fresh, brandNew, step);
                assertEquals(b.learningRate(), a.learningRate(), "update " + step + "'s rate");
            }
            Map<String, float[]> a = weights(trained);
            Map<String, float[]> b = weights(fresh);
            for (String name : a.keySet()) {
                assertArrayEquals(b.get(name), a.get(name), name + ": a reset optimiser differs from a new one");
            }
        }
    }

    // ---- state validation and lifecycle ----------------------------------------------------------

    @Test
    void restoreRefusesMismatchedStateAndKeepsItsOwn() {
        try (ParameterOnlyModel model = twoParameterModel(); AdamW adamW = new AdamW(AdamWConfig.DEFAULTS)) {
            backwardWithGradients(model, Map.of("layer.weight", new float[] {1, 2, 3, 4, 5, 6}, "layer.bias", new float[] {1, 2, 3}));
            adamW.step(model);
            OptimizerState good = WeightFixtures.onHeap(adamW.exportState());
            List<NamedTensor> tensors = ((TensorList) good.tensors()).tensors();

            assertRefused(adamW, model, "written by 'sgd', not 'adamw'",
                    new OptimizerState("sgd", good.scalars(), tensors));
            assertRefused(adamW, model, "no 'step' scalar", new OptimizerState("adamw", Map.of(), tensors));
            assertRefused(adamW, model, "step 2.5, not a non-negative integer",
                    new OptimizerState("adamw", Map.of("step", 2.5), tensors));
            assertRefused(adamW, model, "unknown scalar 'lr'",
                    new OptimizerState("adamw", Map.of("step", 1.0, "lr", 1e-3), tensors));
            assertRefused(adamW, model, "'x.layer.bias' is neither m.<parameter> nor v.<parameter>",
                    withTensors(good, list -> replace(list, "v.layer.bias", renamed(list, "v.layer.bias", "x.layer.bias"))));
            assertRefused(adamW, model, "names parameter 'missing', which the model does not have",
                    withTensors(good, list -> append(list, renamed(list, "m.layer.bias", "m.missing"))));
            assertRefused(adamW, model, "'m.layer.weight' has shape [3, 2] but parameter 'layer.weight' has shape (2, 3)",
                    withTensors(good, list -> replace(list, "m.layer.weight",
                            new NamedTensor("m.layer.weight", find(list, "m.layer.weight").dtype(), new long[] {3, 2},
                                    find(list, "m.layer.weight").data()))));
            assertRefused(adamW, model, "has m.layer.bias without its v.layer.bias",
                    withTensors(good, list -> remove(list, "v.layer.bias")));
            assertRefused(adamW, model, "'m.layer.bias' appears twice",
                    withTensors(good, list -> append(list, find(list, "m.layer.bias"))));
        }
    }

    @Test
    void refusesInconsistentConfigurationAndUseAfterClose() {
        IllegalArgumentException peak = assertThrows(IllegalArgumentException.class,
                () -> new AdamW(AdamWConfig.DEFAULTS, new LearningRateSchedule.Constant(1e-3f)));
        assertTrue(peak.getMessage().contains("peaks at 0.001 but AdamWConfig.learningRate is 3.0E-4"), peak.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new AdamWConfig(0f, 0.9f, 0.999f, 1e-8f, 0.01f, 1f));
        assertThrows(IllegalArgumentException.class, () -> new AdamWConfig(3e-4f, 1f, 0.999f, 1e-8f, 0.01f, 1f));
        assertThrows(IllegalArgumentException.class, () -> new AdamWConfig(3e-4f, 0.9f, -0.1f, 1e-8f, 0.01f, 1f));
        assertThrows(IllegalArgumentException.class, () -> new AdamWConfig(3e-4f, 0.9f, 0.999f, 0f, 0.01f, 1f));
        assertThrows(IllegalArgumentException.class, () -> new AdamWConfig(3e-4f, 0.9f, 0.999f, 1e-8f, -1f, 1f));
        assertThrows(IllegalArgumentException.class, () -> new AdamWConfig(0.5f, 0.9f, 0.999f, 1e-8f, 2f, 1f));
        assertThrows(IllegalArgumentException.class, () -> new AdamWConfig(3e-4f, 0.9f, 0.999f, 1e-8f, 0.01f, -1f));
        assertEquals(new AdamWConfig(3e-4f, 0.9f, 0.999f, 1e-8f, 0.01f, 1.0f), AdamWConfig.DEFAULTS);

        try (ParameterOnlyModel model = twoParameterModel()) {
            AdamW adamW = new AdamW(AdamWConfig.DEFAULTS);
            model.setTrainable(false);
            IllegalStateException frozen = assertThrows(IllegalStateException.class, () -> adamW.step(model));
            assertTrue(frozen.getMessage().contains("no trainable parameters"), frozen.getMessage());
            model.setTrainable(true);
            adamW.step(model);
            assertEquals(4, adamW.stateArrayCount());
            adamW.close();
            assertEquals(0, adamW.stateArrayCount());
            assertThrows(IllegalStateException.class, () -> adamW.step(model));
            assertThrows(IllegalStateException.class, adamW::exportState);
        }
    }

    // ---- helpers ---------------------------------------------------------------------------------

    /** Accumulates exactly {@code gradients} by backpropagating Σ c ⊙ θ. */
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

    /** Scores, backpropagates the SPPO loss and returns its value; the step's arrays are freed. */
    private static float backwardSppo(
            LanguageModel policy, SppoLoss loss, List<int[]> prompts, List<int[]> responses, float[] logSampler, float[] winRate) {
        try (NDManager step = policy.manager().newSubManager()) {
            LossResult result;
            try (Autograd.Scope recording = Autograd.recording()) {
                NDArray logPolicy = SCORER.score(policy, step, prompts, responses, true).sequenceLogProbs();
                result = loss.compute(logPolicy, logSampler, winRate);
            }
            Autograd.backward(result.loss());
            return result.loss().getFloat();
        }
    }

    /** One SPPO step on data that depends only on the step number, so two runs can replay it. */
    private static StepStats trainingStep(LanguageModel policy, AdamW adamW, int step) {
        SplittableRandom random = new SplittableRandom(1000 + step);
        List<int[]> prompts = TestPolicies.prompts(2000 + step, 3, 5, 2, 4);
        List<int[]> responses = responses(3000 + step, 4, 2, 5, 3);
        float[] winRate = new float[prompts.size()];
        float[] logSampler = new float[prompts.size()];
        for (int i = 0; i < winRate.length; i++) {
            winRate[i] = (float) random.nextDouble();
            logSampler[i] = (float) (-20 * random.nextDouble());
        }
        backwardSppo(policy, new SppoLoss(1f), prompts, responses, logSampler, winRate);
        return adamW.step(policy);
    }

    private static float[] scores(LanguageModel policy, List<int[]> prompts, List<int[]> responses) {
        try (Autograd.Scope inference = Autograd.paused(); NDManager step = policy.manager().newSubManager()) {
            return SCORER.score(policy, step, prompts, responses, false).sequenceLogProbs().toFloatArray();
        }
    }

    private static Map<String, float[]> weights(LanguageModel model) {
        Map<String, float[]> copy = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> entry : model.namedParameters().entrySet()) {
            copy.put(entry.getKey(), entry.getValue().getArray().toFloatArray());
        }
        return copy;
    }

    /** Copies values into the parameters' existing storage. */
    private static void overwrite(LanguageModel model, Map<String, float[]> weights) {
        try (Autograd.Scope inPlace = Autograd.paused(); NDManager scratch = model.manager().newSubManager()) {
            for (Map.Entry<String, Parameter> entry : model.namedParameters().entrySet()) {
                NDArray array = entry.getValue().getArray();
                array.set(new NDIndex(":"), scratch.create(weights.get(entry.getKey()), array.getShape()));
            }
        }
    }

    private static ParameterOnlyModel twoParameterModel() {
        return new ParameterOnlyModel(manager)
                .add("layer.weight", new float[] {0.1f, -0.2f, 0.3f, -0.4f, 0.5f, -0.6f}, 2, 3)
                .add("layer.bias", new float[] {0.01f, 0.02f, 0.03f}, 3);
    }

    private static void assertRefused(AdamW adamW, LanguageModel model, String fragment, OptimizerState state) {
        OptimizerState before = WeightFixtures.onHeap(adamW.exportState());
        Executable restore = () -> adamW.restoreState(state, model);
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, restore);
        assertTrue(error.getMessage().contains(fragment), "message '" + error.getMessage() + "' lacks '" + fragment + "'");
        assertEquals(before, WeightFixtures.onHeap(adamW.exportState()), "a refused state must leave the optimiser as it was");
    }

    private static OptimizerState withTensors(OptimizerState state, UnaryOperator<List<NamedTensor>> edit) {
        return new OptimizerState(state.algorithm(), state.scalars(),
                edit.apply(new ArrayList<>(((TensorList) state.tensors()).tensors())));
    }

    private static NamedTensor find(List<NamedTensor> tensors, String name) {
        return tensors.stream().filter(tensor -> tensor.name().equals(name)).findFirst().orElseThrow();
    }

    private static NamedTensor renamed(List<NamedTensor> tensors, String name, String newName) {
        NamedTensor tensor = find(tensors, name);
        return new NamedTensor(newName, tensor.dtype(), tensor.shape(), tensor.data());
    }

    private static List<NamedTensor> replace(List<NamedTensor> tensors, String name, NamedTensor replacement) {
        tensors.set(tensors.indexOf(find(tensors, name)), replacement);
        return tensors;
    }

    private static List<NamedTensor> append(List<NamedTensor> tensors, NamedTensor extra) {
        tensors.add(extra);
        return tensors;
    }

    private static List<NamedTensor> remove(List<NamedTensor> tensors, String name) {
        tensors.remove(find(tensors, name));
        return tensors;
    }

    private static List<int[]> responses(long seed, int... lengths) {
        SplittableRandom random = new SplittableRandom(seed);
        List<int[]> responses = new ArrayList<>();
        for (int length : lengths) {
            int[] response = new int[length];
            for (int i = 0; i < length; i++) {
                response[i] = random.nextInt(256);
            }
            responses.add(response);
        }
        return responses;
    }

    private static float[] uniform(SplittableRandom random, int size, double bound) {
        float[] values = new float[size];
        for (int i = 0; i < size; i++) {
            values[i] = (float) random.nextDouble(-bound, bound);
        }
        return values;
    }

    private static int size(long[] shape) {
        long size = 1;
        for (long dim : shape) {
            size *= dim;
        }
        return Math.toIntExact(size);
    }

    private static double[] toDouble(float[] values) {
        double[] result = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            result[i] = values[i];
        }
        return result;
    }

    private static float[] toFloat(double[] values) {
        float[] result = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            result[i] = (float) values[i];
        }
        return result;
    }
}
