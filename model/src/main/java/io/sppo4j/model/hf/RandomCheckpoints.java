package io.sppo4j.model.hf;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.sppo4j.model.nd.Precision;
import io.sppo4j.model.weights.TensorDType;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Random-weight Hugging Face directories with a real model's public shape (SmolLM2-135M,
 * Qwen2.5-0.5B): what the real-size tests and {@code bench llm} run on, reproducible from a seed
 * and with no download. Weights are drawn as transformers draws a model made from the config
 * (N(0, {@code initializer_range})); the directory carries a tiny byte-level BPE tokenizer (ids below 272, so any vocabulary holds
 * it) whose special tokens the config's {@code bos_token_id} and {@code eos_token_id} name.
 */
public final class RandomCheckpoints {

    /** Shapes this class knows, by the name {@code --like} takes. */
    public static final List<String> SHAPES = List.of("smollm2-135m", "qwen2.5-0.5b");

    private static final String RESOURCES = "/io/sppo4j/model/hf/shapes/";
    private static final String[] TOKENIZER_FILES = {"tokenizer.json", "tokenizer_config.json"};
    /** The tokenizer's {@code <|im_start|>} and {@code <|im_end|>}. */
    private static final int BOS = 268;
    private static final int EOS = 269;

    private RandomCheckpoints() {}

    /**
     * A model's {@code config.json} with the tokenizer's special ids.
     *
     * @param like one of {@link #SHAPES}
     * @param reward a {@code *ForSequenceClassification} with one label instead of the causal model
     * @param layers blocks, or 0 for the public config's count
     */
    public static JsonObject config(String like, boolean reward, int layers, TensorDType dtype) {
        if (!SHAPES.contains(like)) {
            throw new IllegalArgumentException("unknown model shape '" + like + "'; known: " + SHAPES);
        }
        JsonObject config;
        try (InputStream in = RandomCheckpoints.class.getResourceAsStream(RESOURCES + like + ".json")) {
            config = JsonParser.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8)).getAsJsonObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (layers > 0) {
            config.addProperty("num_hidden_layers", layers);
            if (config.has("max_window_layers")) {
                config.addProperty("max_window_layers", layers);
            }
        }
        if (reward) {
            String causal = config.getAsJsonArray("architectures").get(0).getAsString();
            JsonArray architectures = new JsonArray();
            architectures.add(causal.replace("ForCausalLM", "ForSequenceClassification"));
            config.add("architectures", architectures);
            config.addProperty("num_labels", 1);
            config.addProperty("pad_token_id", EOS);
        }
        config.addProperty("bos_token_id", BOS);
        config.addProperty("eos_token_id", EOS);
        config.addProperty("torch_dtype", dtype == TensorDType.BF16 ? "bfloat16" : "float32");
        return config;
    }

    /**
     * Writes {@code target}: {@code config.json}, {@code model.safetensors} in {@code dtype}, a
     * generation config and the tokenizer files. Replaces a model directory already there.
     */
    public static void write(Path target, JsonObject config, TensorDType dtype, long seed) throws IOException {
        byte[] json = (new GsonBuilder().setPrettyPrinting().create().toJson(config) + "\n")
                .getBytes(StandardCharsets.UTF_8);
        // Drawn in float32 (the writer reads float32 parameters) and rounded once to dtype on save.
        try (NDManager manager = NDManager.newBaseManager(Device.cpu());
                HfModel model = HfModels.initialise(json, seed, manager, Device.cpu(), Precision.FP32, dtype)) {
            HfModels.save(model, target);
        }
        for (String file : TOKENIZER_FILES) {
            try (InputStream in = RandomCheckpoints.class.getResourceAsStream(RESOURCES + "tokenizer/" + file)) {
                Files.write(target.resolve(file), in.readAllBytes());
            }
        }
        Files.writeString(target.resolve(HfModelDirectory.GENERATION_CONFIG_FILE), String.format(Locale.ROOT,
                "{%n  \"bos_token_id\": %d,%n  \"eos_token_id\": %d%n}%n", BOS, EOS));
    }
}
