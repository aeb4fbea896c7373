package io.sppo4j.model.hf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.google.gson.JsonObject;
import io.sppo4j.model.crosscheck.TransformersFixtures;
import io.sppo4j.model.hf.TinyHfModels.Kind;
import io.sppo4j.model.weights.TensorDType;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Logits and rewards of loaded checkpoints against the plain-Java {@link NaiveReference}. */
class HfLogitsTest {

    static final double TOLERANCE = 1e-4;
    private static final int[] IDS = {1, 17, 42, 5, 63, 0, 29, 8, 51, 12, 3};

    @TempDir
    Path temp;

    @ParameterizedTest
    @EnumSource(value = Kind.class, names = {"LLAMA", "QWEN2", "MISTRAL", "GPT2"})
    void logitsMatchTheNaiveReference(Kind kind) throws IOException {
        TinyHfModels.Fixture fixture = TinyHfModels.write(temp.resolve("m"), kind, TensorDType.F32, 1, 11 + kind.ordinal());
        assertMatchesReference(fixture);
    }

    @Test
    void bf16WeightsAndLinearRopeScalingMatchTheReference() throws IOException {
        TinyHfModels.Fixture fixture = TinyHfModels.write(temp.resolve("m"), Kind.LLAMA, TensorDType.BF16, 2, 12, config -> {
            JsonObject scaling = new JsonObject();
            scaling.addProperty("rope_type", "linear");
            scaling.addProperty("factor", 4.0);
            config.add("rope_scaling", scaling);
        });
        assertMatchesReference(fixture);
    }

    @Test
    void f16Gpt2MatchesTheReference() throws IOException {
        assertMatchesReference(TinyHfModels.write(temp.resolve("m"), Kind.GPT2, TensorDType.F16, 1, 13));
    }

    @ParameterizedTest
    @EnumSource(value = Kind.class, names = {"LLAMA_REWARD", "GPT2_REWARD"})
    void rewardsAreTheScoreHeadAtTheLastTokenOfEachSequence(Kind kind) throws IOException {
        TinyHfModels.Fixture fixture = TinyHfModels.write(temp.resolve("r"), kind, TensorDType.BF16, 1, 14);
        NaiveReference reference = new NaiveReference(fixture);
        int[][] sequences = {{1, 5, 9}, {1, 17, 42, 5, 63, 30, 2}, {7}, {1, 2, 3, 4, 5}};
        try (HfRewardModel model = HfModels.loadReward(fixture.directory(), Device.cpu())) {
            double[] rewards = model.rewards(sequences); // padded into one batch
            assertEquals(sequences.length, rewards.length);
            for (int i = 0; i < sequences.length; i++) {
                assertEquals(reference.reward(sequences[i]), rewards[i], TOLERANCE, "sequence " + i);
            }
        }
    }

    private static void assertMatchesReference(TinyHfModels.Fixture fixture) throws IOException {
        float[][] expected = new NaiveReference(fixture).logits(IDS);
        try (HfCausalModel model = HfModels.loadCausal(fixture.directory(), Device.cpu())) {
            float[][] actual = logits(model, IDS);
            double worst = 0;
            for (int t = 0; t < IDS.length; t++) {
                assertEquals(expected[t].length, actual[t].length);
                for (int v = 0; v < expected[t].length; v++) {
                    worst = Math.max(worst, Math.abs(expected[t][v] - actual[t][v]));
                }
            }
            assertTrue(worst <= TOLERANCE, fixture.kind() + ": max |logit - reference| = " + worst);
        }
    }

    /** (T, V) logits of one unpadded sequence. */
    static float[][] logits(HfCausalModel model, int[] ids) {
        return TransformersFixtures.logits(model, ids);
    }
}
