package io.sppo4j.model.hf;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import io.sppo4j.model.nd.Precision;
import io.sppo4j.model.weights.TensorDType;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Models of a real model's shape class sized for the tests: SmolLM2-135M's layout (30 blocks,
 * grouped key/value heads, a 49152-token tied embedding, rotary positions) at width 64, where
 * leaks and numerical failures that a 2-layer toy hides show up within seconds.
 */
public final class RealShapes {

    /** Tokens of the tiny tokenizer every random checkpoint carries (ids below this are real text). */
    public static final int TEXT_TOKENS = 265;

    private RealShapes() {}

    /** SmolLM2-135M's config at width 64 (4 query heads on 2 key/value heads), with {@code layers} blocks. */
    public static JsonObject narrow(int layers, boolean reward) {
        JsonObject config = RandomCheckpoints.config("smollm2-135m", reward, layers, TensorDType.F32);
        config.addProperty("hidden_size", 64);
        config.addProperty("num_attention_heads", 4);
        config.addProperty("num_key_value_heads", 2);
        config.addProperty("intermediate_size", 128);
        config.addProperty("max_position_embeddings", 512);
        return config;
    }

    public static byte[] json(JsonObject config) {
        return new GsonBuilder().create().toJson(config).getBytes(StandardCharsets.UTF_8);
    }

    /** A causal model of {@code config} drawn from {@code seed}, under a child of {@code parent}. */
    public static HfCausalModel causal(JsonObject config, long seed, NDManager parent, Precision precision) {
        return (HfCausalModel) HfModels.initialise(json(config), seed, parent, Device.cpu(), precision, TensorDType.F32);
    }

    /** A reward model of {@code config} (built with {@code reward = true}). */
    public static HfRewardModel reward(JsonObject config, long seed, NDManager parent, Precision precision) {
        return (HfRewardModel) HfModels.initialise(json(config), seed, parent, Device.cpu(), precision, TensorDType.F32);
    }

    /** Prompts of random lengths in [min, max] over the whole vocabulary, as a left-padded batch sees them. */
    public static List<int[]> prompts(SplittableRandom random, int count, int min, int max, int vocab) {
        List<int[]> prompts = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int[] prompt = new int[min + random.nextInt(max - min + 1)];
            for (int t = 0; t < prompt.length; t++) {
                prompt[t] = random.nextInt(vocab);
            }
            prompts.add(prompt);
        }
        return prompts;
    }
}
