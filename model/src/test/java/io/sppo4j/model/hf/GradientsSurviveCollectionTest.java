package io.sppo4j.model.hf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.sppo4j.model.loss.PairwiseLoss;
import io.sppo4j.model.loss.DpoLoss;
import io.sppo4j.model.loss.SlicLoss;
import io.sppo4j.model.loss.SppoLoss;
import io.sppo4j.model.nd.Autograd;
import io.sppo4j.model.nd.Precision;
import io.sppo4j.model.scoring.SequenceScorer;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Gradients do not depend on when the garbage collector runs. Autograd keeps what backward
 * needs; a constant DJL had wrapped over a Java buffer and closed was freed by the collector
 * between forward and backward, and backward read freed memory (issue 13's NaN steps, see
 * {@link io.sppo4j.model.nd.Scalars}). Forcing a collection in between made every step's
 * gradients NaN; each layout's and loss's gradients must now equal those of an undisturbed run.
 */
class GradientsSurviveCollectionTest {

    private static final int PAD = 269;

    static Stream<Arguments> layouts() {
        return Stream.of(Arguments.of("llama", RealShapes.narrow(2, false)), Arguments.of("gpt2 tanh-gelu", gpt2()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("layouts")
    void decoderGradientsEqualAnUndisturbedRunsWhenTheCollectorRunsBeforeBackward(String layout, JsonObject config) {
        try (NDManager base = NDManager.newBaseManager();
                HfCausalModel policy = RealShapes.causal(config, 11, base, Precision.FP32)) {
            policy.setTrainable(true);
            Map<String, float[]> undisturbed = sppoGradients(policy, false);
            Map<String, float[]> collected = sppoGradients(policy, true);
            assertEquals(undisturbed.keySet(), collected.keySet());
            for (Map.Entry<String, float[]> entry : undisturbed.entrySet()) {
                for (float value : collected.get(entry.getKey())) {
                    assertTrue(Float.isFinite(value), layout + ": " + entry.getKey() + " has a non-finite gradient");
                }
                assertArrayEquals(entry.getValue(), collected.get(entry.getKey()), 1e-6f, layout + ": " + entry.getKey());
            }
        }
    }

    @Test
    void pairwiseLossesScaleByAConstantTheCollectorCannotFree() {
        for (PairwiseLoss loss : List.<PairwiseLoss>of(new DpoLoss(0.5f), new SlicLoss(0.5f))) {
            float[] undisturbed = marginGradient(loss, false);
            float[] collected = marginGradient(loss, true);
            assertArrayEquals(undisturbed, collected, 0f, loss.name());
        }
    }

    private static Map<String, float[]> sppoGradients(HfCausalModel policy, boolean collectBeforeBackward) {
        SplittableRandom random = new SplittableRandom(5);
        List<int[]> prompts = RealShapes.prompts(random, 4, 3, 12, RealShapes.TEXT_TOKENS);
        List<int[]> responses = RealShapes.prompts(random, 4, 2, 10, RealShapes.TEXT_TOKENS);
        float[] samplerLogProbs = {-20f, -31f, -12f, -44f};
        float[] winRates = {0.9f, 0.1f, 0.6f, 0.3f};
        try (NDManager scope = policy.manager().newSubManager()) {
            try (Autograd.Scope recording = Autograd.recording()) {
                NDArray logPolicy = new SequenceScorer(PAD).score(policy, scope, prompts, responses, true).sequenceLogProbs();
                NDArray loss = new SppoLoss(4f).compute(logPolicy, samplerLogProbs, winRates).loss();
                if (collectBeforeBackward) {
                    collectGarbage();
                }
                Autograd.backward(loss);
            }
            return takeGradients(policy.namedParameters(), scope);
        }
    }

    private static float[] marginGradient(PairwiseLoss loss, boolean collectBeforeBackward) {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray margins = manager.create(new float[] {0.5f, -1.5f, 3f, -0.25f}).duplicate();
            margins.setRequiresGradient(true);
            try (Autograd.Scope recording = Autograd.recording()) {
                NDArray value = loss.compute(margins).loss();
                if (collectBeforeBackward) {
                    collectGarbage();
                }
                Autograd.backward(value);
            }
            return margins.getGradient().toFloatArray();
        }
    }

    private static Map<String, float[]> takeGradients(Map<String, Parameter> parameters, NDManager scope) {
        Map<String, float[]> gradients = new LinkedHashMap<>();
        try (Autograd.Scope paused = Autograd.paused()) {
            for (Map.Entry<String, Parameter> entry : parameters.entrySet()) {
                NDArray leaf = entry.getValue().getArray();
                gradients.put(entry.getKey(), Autograd.gradient(leaf, scope).toFloatArray());
                Autograd.zeroGradient(leaf);
            }
        }
        return gradients;
    }

    /** Runs the collector and gives the cleaner thread time to free what it found unreachable. */
    private static void collectGarbage() {
        for (int i = 0; i < 3; i++) {
            System.gc();
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    /** A 2-block GPT-2 with the tanh GELU (gelu_new), whose constants are scaled and cubed. */
    private static JsonObject gpt2() {
        JsonObject config = new JsonObject();
        JsonArray architectures = new JsonArray();
        architectures.add("GPT2LMHeadModel");
        config.add("architectures", architectures);
        config.addProperty("model_type", "gpt2");
        config.addProperty("vocab_size", 300);
        config.addProperty("n_embd", 32);
        config.addProperty("n_layer", 2);
        config.addProperty("n_head", 4);
        config.addProperty("n_positions", 64);
        config.addProperty("activation_function", "gelu_new");
        config.addProperty("layer_norm_epsilon", 1e-5);
        config.addProperty("initializer_range", 0.02);
        config.addProperty("tie_word_embeddings", true);
        config.addProperty("bos_token_id", 268);
        config.addProperty("eos_token_id", PAD);
        return config;
    }
}
