package io.sppo4j.model.hf;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import io.sppo4j.model.checkpoint.SafeTensors;
import io.sppo4j.model.weights.RandomTensors;
import io.sppo4j.model.weights.TensorDType;
import io.sppo4j.model.weights.TensorSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Hugging Face directories of real models' public shapes with random weights, written tensor by
 * tensor from native memory (no model-sized heap): SmolLM2-135M (hidden 576, 30 layers, 9 heads,
 * 3 KV heads, intermediate 1536, vocab 49152, tied embeddings; 134.5M parameters).
 */
public final class RealShapeHfModels {

    /** SmolLM2-135M's config.json values that set the tensors' shapes. */
    public record LlamaShape(int hidden, int layers, int heads, int kvHeads, int intermediate, int vocab, int context) {
        public static final LlamaShape SMOLLM2_135M = new LlamaShape(576, 30, 9, 3, 1536, 49152, 2048);

        /** Tensor names and shapes in the order transformers' state dict lists them (tied: no lm_head). */
        public List<TensorSpec> specs(TensorDType dtype) {
            long d = hidden;
            long kv = (long) kvHeads * (hidden / heads);
            List<TensorSpec> specs = new ArrayList<>();
            specs.add(new TensorSpec("model.embed_tokens.weight", dtype, new long[] {vocab, d}));
            for (int i = 0; i < layers; i++) {
                String l = "model.layers." + i + ".";
                specs.add(new TensorSpec(l + "self_attn.q_proj.weight", dtype, new long[] {d, d}));
                specs.add(new TensorSpec(l + "self_attn.k_proj.weight", dtype, new long[] {kv, d}));
                specs.add(new TensorSpec(l + "self_attn.v_proj.weight", dtype, new long[] {kv, d}));
                specs.add(new TensorSpec(l + "self_attn.o_proj.weight", dtype, new long[] {d, d}));
                specs.add(new TensorSpec(l + "mlp.gate_proj.weight", dtype, new long[] {intermediate, d}));
                specs.add(new TensorSpec(l + "mlp.up_proj.weight", dtype, new long[] {intermediate, d}));
                specs.add(new TensorSpec(l + "mlp.down_proj.weight", dtype, new long[] {d, intermediate}));
                specs.add(new TensorSpec(l + "input_layernorm.weight", dtype, new long[] {d}));
                specs.add(new TensorSpec(l + "post_attention_layernorm.weight", dtype, new long[] {d}));
            }
            specs.add(new TensorSpec("model.norm.weight", dtype, new long[] {d}));
            return specs;
        }

        /** The tiny Llama fixture's config with these sizes: the keys transformers' LlamaConfig reads. */
        JsonObject config() {
            JsonObject config = TinyHfModels.config(TinyHfModels.Kind.LLAMA);
            config.addProperty("vocab_size", vocab);
            config.addProperty("hidden_size", hidden);
            config.addProperty("intermediate_size", intermediate);
            config.addProperty("num_hidden_layers", layers);
            config.addProperty("num_attention_heads", heads);
            config.addProperty("num_key_value_heads", kvHeads);
            config.addProperty("max_position_embeddings", context);
            config.addProperty("rope_theta", 100_000.0);
            config.addProperty("tie_word_embeddings", true);
            config.addProperty("torch_dtype", "bfloat16");
            return config;
        }
    }

    private RealShapeHfModels() {}

    /** Writes {@code shape} with random {@code dtype} weights (std 0.02) as a one-file directory. */
    public static Path write(Path directory, LlamaShape shape, TensorDType dtype, long seed) throws IOException {
        Files.createDirectories(directory);
        SafeTensors.write(directory.resolve(HfModelDirectory.SINGLE_FILE),
                RandomTensors.normal(shape.specs(dtype), 0.02f, seed), Map.of("format", "pt"));
        Files.writeString(directory.resolve(HfModelDirectory.CONFIG_FILE),
                new GsonBuilder().setPrettyPrinting().create().toJson(shape.config()) + "\n");
        Files.writeString(directory.resolve(HfModelDirectory.GENERATION_CONFIG_FILE),
                "{\n  \"bos_token_id\": 1,\n  \"eos_token_id\": 2\n}\n");
        return directory;
    }
}
