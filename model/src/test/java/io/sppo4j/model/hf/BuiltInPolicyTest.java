package io.sppo4j.model.hf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.sppo4j.model.checkpoint.SafeTensors;
import io.sppo4j.model.nd.Precision;
import io.sppo4j.model.policy.PolicyConfig;
import io.sppo4j.model.weights.NamedTensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built-in policy is a GPT-2 configuration of the one decoder: initialised as GPT-2 is,
 * saved as a {@code GPT2LMHeadModel} directory, loaded back by the Hugging Face path with the
 * same logits, and equal to the plain-Java reference's GPT-2.
 */
class BuiltInPolicyTest {

    private static final PolicyConfig SHAPE =
            new PolicyConfig(TinyHfModels.VOCAB, TinyHfModels.HIDDEN, TinyHfModels.LAYERS, TinyHfModels.HEADS, 64, 0f);
    private static final int[] IDS = {1, 17, 42, 5, 63, 0, 29, 8, 51, 12, 3};

    @TempDir
    Path temp;

    @Test
    void savesAsAGpt2DirectoryThatLoadsBackWithTheSameLogitsAndMatchesTheReference() throws IOException {
        Path directory = temp.resolve("policy");
        float[][] logits;
        try (NDManager manager = NDManager.newBaseManager();
                HfCausalModel policy = HfModels.builtIn(SHAPE, 5, manager, Device.cpu(), Precision.FP32)) {
            logits = HfLogitsTest.logits(policy, IDS);
            HfModels.savePolicy(policy, directory);
        }
        JsonObject config = JsonParser.parseString(Files.readString(directory.resolve("config.json"))).getAsJsonObject();
        assertEquals("GPT2LMHeadModel", config.getAsJsonArray("architectures").get(0).getAsString());
        assertEquals("gelu", config.get("activation_function").getAsString());
        assertTrue(config.get("tie_word_embeddings").getAsBoolean());

        List<NamedTensor> tensors = SafeTensors.read(directory.resolve("model.safetensors")).tensors();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        Map<String, float[]> values = new LinkedHashMap<>();
        for (NamedTensor tensor : tensors) {
            shapes.put(tensor.name(), tensor.shape());
            values.put(tensor.name(), tensor.toFloats());
        }
        // transformers' names and Conv1D's (in, out) layout; the tied head is not stored.
        assertArrayEquals(new long[] {32, 96}, shapes.get("transformer.h.0.attn.c_attn.weight"));
        assertArrayEquals(new long[] {128, 32}, shapes.get("transformer.h.1.mlp.c_proj.weight"));
        assertTrue(!shapes.containsKey("lm_head.weight"), "a tied head is not saved");

        try (HfCausalModel loaded = HfModels.loadCausal(directory, Device.cpu())) {
            assertEquals(SHAPE, loaded.shape());
            float[][] again = HfLogitsTest.logits(loaded, IDS);
            for (int t = 0; t < IDS.length; t++) {
                assertArrayEquals(logits[t], again[t], "position " + t + " after a save and a load");
            }
        }
        TinyHfModels.Fixture fixture = new TinyHfModels.Fixture(
                directory, TinyHfModels.Kind.GPT2, config, values, shapes, new ArrayList<>());
        float[][] expected = new NaiveReference(fixture).logits(IDS);
        double worst = 0;
        for (int t = 0; t < IDS.length; t++) {
            for (int v = 0; v < expected[t].length; v++) {
                worst = Math.max(worst, Math.abs(expected[t][v] - logits[t][v]));
            }
        }
        assertTrue(worst <= HfLogitsTest.TOLERANCE, "max |logit - reference| = " + worst);
    }

    @Test
    void initialisationIsGpt2sAndAFunctionOfTheSeed() {
        PolicyConfig deep = new PolicyConfig(259, 64, 8, 4, 128, 0f);
        try (NDManager manager = NDManager.newBaseManager();
                HfCausalModel policy = HfModels.builtIn(deep, 3, manager, Device.cpu(), Precision.FP32);
                HfCausalModel same = HfModels.builtIn(deep, 3, manager, Device.cpu(), Precision.FP32)) {
            var parameters = policy.namedParameters();
            assertEquals(0.02, std(parameters.get("transformer.h.3.attn.c_attn.weight").getArray().toFloatArray()), 0.002);
            assertEquals(0.02, std(parameters.get("transformer.h.3.mlp.c_fc.weight").getArray().toFloatArray()), 0.002);
            double residual = 0.02 / Math.sqrt(2 * 8);
            assertEquals(residual, std(parameters.get("transformer.h.3.attn.c_proj.weight").getArray().toFloatArray()),
                    residual / 10);
            assertEquals(residual, std(parameters.get("transformer.h.3.mlp.c_proj.weight").getArray().toFloatArray()),
                    residual / 10);
            assertEquals(0.0, std(parameters.get("transformer.h.3.attn.c_attn.bias").getArray().toFloatArray()));
            float[] scale = parameters.get("transformer.h.3.ln_1.weight").getArray().toFloatArray();
            for (float value : scale) {
                assertEquals(1f, value);
            }
            for (var entry : parameters.entrySet()) {
                assertArrayEquals(entry.getValue().getArray().toFloatArray(),
                        same.namedParameters().get(entry.getKey()).getArray().toFloatArray(), entry.getKey());
            }
        }
    }

    private static double std(float[] values) {
        double sum = 0;
        double squares = 0;
        for (float value : values) {
            sum += value;
            squares += (double) value * value;
        }
        double mean = sum / values.length;
        return Math.sqrt(squares / values.length - mean * mean);
    }
}
