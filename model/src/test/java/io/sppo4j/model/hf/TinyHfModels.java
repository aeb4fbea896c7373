package io.sppo4j.model.hf;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.sppo4j.model.checkpoint.SafeTensors;
import io.sppo4j.model.weights.BFloat16;
import io.sppo4j.model.weights.NamedTensor;
import io.sppo4j.model.weights.TensorDType;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;

/**
 * Writes tiny Hugging Face model directories with random weights, laid out as transformers'
 * {@code save_pretrained} lays them out: config.json, one or several safetensors files (with an
 * index), a generation config and tokenizer files for the save to carry along.
 */
public final class TinyHfModels {

    static final int HIDDEN = 32;
    static final int LAYERS = 2;
    static final int HEADS = 4;
    static final int HEAD_DIM = HIDDEN / HEADS;
    static final int INTERMEDIATE = 48;
    static final int VOCAB = 64;
    static final int CONTEXT = 64;

    /** The kinds of model a test can ask for; each exercises a different part of the loader. */
    public enum Kind {
        /** Grouped-query attention (4 query heads on 2 key/value heads), untied lm_head. */
        LLAMA,
        /** q/k/v biases, tied embeddings. */
        QWEN2,
        /** A sliding window longer than the context, 2 key/value heads. */
        MISTRAL,
        /** Names without the "transformer." prefix, as the hub's gpt2 files have them, plus attn.bias buffers. */
        GPT2,
        LLAMA_REWARD,
        GPT2_REWARD
    }

    /**
     * @param values every tensor as the model should see it: the on-disk values widened to float32
     * @param shapes every tensor's shape, in file order
     * @param buffers names of tensors that are not parameters
     */
    public record Fixture(Path directory, Kind kind, JsonObject config, Map<String, float[]> values,
            Map<String, long[]> shapes, List<String> buffers) {

        float[] get(String name) {
            float[] value = values.get(name);
            if (value == null) {
                throw new IllegalArgumentException("no tensor " + name);
            }
            return value;
        }
    }

    private TinyHfModels() {}

    public static Fixture write(Path directory, Kind kind, TensorDType dtype, int shards, long seed) throws IOException {
        return write(directory, kind, dtype, shards, seed, config -> {});
    }

    /** @param edit changes the config before tensors are laid out (rope scaling, say) */
    public static Fixture write(Path directory, Kind kind, TensorDType dtype, int shards, long seed,
            Consumer<JsonObject> edit) throws IOException {
        Files.createDirectories(directory);
        JsonObject config = config(kind);
        edit.accept(config);
        Map<String, long[]> shapes = shapes(kind, config);
        List<String> buffers = new ArrayList<>();
        if (kind == Kind.GPT2) {
            for (int layer = 0; layer < LAYERS; layer++) {
                String name = "h." + layer + ".attn.bias";
                shapes.put(name, new long[] {1, 1, 4, 4});
                buffers.add(name);
            }
        }
        Random random = new Random(seed);
        Map<String, float[]> values = new LinkedHashMap<>();
        List<NamedTensor> tensors = new ArrayList<>();
        for (Map.Entry<String, long[]> entry : shapes.entrySet()) {
            String name = entry.getKey();
            float[] raw = randomValues(name, entry.getValue(), random);
            NamedTensor tensor = encode(name, entry.getValue(), raw, dtype);
            tensors.add(tensor);
            values.put(name, tensor.toFloats());
        }
        writeWeights(directory, tensors, shards);
        Files.writeString(directory.resolve("config.json"),
                new GsonBuilder().setPrettyPrinting().create().toJson(config) + "\n");
        Files.writeString(directory.resolve("generation_config.json"), "{\n  \"bos_token_id\": 1,\n  \"eos_token_id\": 2\n}\n");
        Files.writeString(directory.resolve("tokenizer.json"), "{\"version\": \"1.0\", \"model\": {\"type\": \"BPE\"}}");
        Files.writeString(directory.resolve("tokenizer_config.json"), "{\"model_max_length\": 64}");
        return new Fixture(directory, kind, config, values, shapes, buffers);
    }

    static JsonObject config(Kind kind) {
        JsonObject config = new JsonObject();
        JsonArray architectures = new JsonArray();
        config.add("architectures", architectures);
        switch (kind) {
            case GPT2, GPT2_REWARD -> {
                architectures.add(kind == Kind.GPT2 ? "GPT2LMHeadModel" : "GPT2ForSequenceClassification");
                config.addProperty("model_type", "gpt2");
                config.addProperty("vocab_size", VOCAB);
                config.addProperty("n_embd", HIDDEN);
                config.addProperty("n_layer", LAYERS);
                config.addProperty("n_head", HEADS);
                config.addProperty("n_positions", CONTEXT);
                config.addProperty("n_inner", (Integer) null);
                config.addProperty("activation_function", "gelu_new");
                config.addProperty("layer_norm_epsilon", 1e-5);
                config.addProperty("resid_pdrop", 0.1);
            }
            default -> {
                String type = switch (kind) {
                    case QWEN2 -> "qwen2";
                    case MISTRAL -> "mistral";
                    default -> "llama";
                };
                architectures.add(switch (kind) {
                    case QWEN2 -> "Qwen2ForCausalLM";
                    case MISTRAL -> "MistralForCausalLM";
                    case LLAMA_REWARD -> "LlamaForSequenceClassification";
                    default -> "LlamaForCausalLM";
                });
                config.addProperty("model_type", type);
                config.addProperty("vocab_size", VOCAB);
                config.addProperty("hidden_size", HIDDEN);
                config.addProperty("intermediate_size", INTERMEDIATE);
                config.addProperty("num_hidden_layers", LAYERS);
                config.addProperty("num_attention_heads", HEADS);
                config.addProperty("num_key_value_heads", 2);
                config.addProperty("hidden_act", "silu");
                config.addProperty("max_position_embeddings", CONTEXT);
                config.addProperty("rms_norm_eps", 1e-5);
                config.addProperty("rope_theta", kind == Kind.QWEN2 ? 1_000_000.0 : 10_000.0);
                config.addProperty("tie_word_embeddings", kind == Kind.QWEN2);
                config.addProperty("torch_dtype", "float32");
                if (kind == Kind.MISTRAL) {
                    config.addProperty("sliding_window", 4096);
                }
            }
        }
        if (kind == Kind.LLAMA_REWARD || kind == Kind.GPT2_REWARD) {
            JsonObject labels = new JsonObject();
            labels.addProperty("0", "LABEL_0");
            config.add("id2label", labels);
            config.addProperty("pad_token_id", 0);
        }
        return config;
    }

    /** Tensor names and shapes in the order transformers' state dict lists them. */
    static Map<String, long[]> shapes(Kind kind, JsonObject config) {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        long d = HIDDEN;
        boolean gpt2 = kind == Kind.GPT2 || kind == Kind.GPT2_REWARD;
        // A test may widen the vocabulary or the context through the config (a real tokenizer's ids).
        long vocab = config.get("vocab_size").getAsLong();
        long context = config.get(gpt2 ? "n_positions" : "max_position_embeddings").getAsLong();
        if (gpt2) {
            String p = kind == Kind.GPT2 ? "" : "transformer.";
            shapes.put(p + "wte.weight", new long[] {vocab, d});
            shapes.put(p + "wpe.weight", new long[] {context, d});
            for (int i = 0; i < LAYERS; i++) {
                String l = p + "h." + i + ".";
                shapes.put(l + "ln_1.weight", new long[] {d});
                shapes.put(l + "ln_1.bias", new long[] {d});
                shapes.put(l + "attn.c_attn.weight", new long[] {d, 3 * d});
                shapes.put(l + "attn.c_attn.bias", new long[] {3 * d});
                shapes.put(l + "attn.c_proj.weight", new long[] {d, d});
                shapes.put(l + "attn.c_proj.bias", new long[] {d});
                shapes.put(l + "ln_2.weight", new long[] {d});
                shapes.put(l + "ln_2.bias", new long[] {d});
                shapes.put(l + "mlp.c_fc.weight", new long[] {d, 4 * d});
                shapes.put(l + "mlp.c_fc.bias", new long[] {4 * d});
                shapes.put(l + "mlp.c_proj.weight", new long[] {4 * d, d});
                shapes.put(l + "mlp.c_proj.bias", new long[] {d});
            }
            shapes.put(p + "ln_f.weight", new long[] {d});
            shapes.put(p + "ln_f.bias", new long[] {d});
        } else {
            long kv = config.get("num_key_value_heads").getAsLong() * HEAD_DIM;
            boolean bias = kind == Kind.QWEN2;
            shapes.put("model.embed_tokens.weight", new long[] {vocab, d});
            for (int i = 0; i < LAYERS; i++) {
                String l = "model.layers." + i + ".";
                shapes.put(l + "self_attn.q_proj.weight", new long[] {d, d});
                if (bias) {
                    shapes.put(l + "self_attn.q_proj.bias", new long[] {d});
                }
                shapes.put(l + "self_attn.k_proj.weight", new long[] {kv, d});
                if (bias) {
                    shapes.put(l + "self_attn.k_proj.bias", new long[] {kv});
                }
                shapes.put(l + "self_attn.v_proj.weight", new long[] {kv, d});
                if (bias) {
                    shapes.put(l + "self_attn.v_proj.bias", new long[] {kv});
                }
                shapes.put(l + "self_attn.o_proj.weight", new long[] {d, d});
                shapes.put(l + "mlp.gate_proj.weight", new long[] {INTERMEDIATE, d});
                shapes.put(l + "mlp.up_proj.weight", new long[] {INTERMEDIATE, d});
                shapes.put(l + "mlp.down_proj.weight", new long[] {d, INTERMEDIATE});
                shapes.put(l + "input_layernorm.weight", new long[] {d});
                shapes.put(l + "post_attention_layernorm.weight", new long[] {d});
            }
            shapes.put("model.norm.weight", new long[] {d});
        }
        if (kind == Kind.LLAMA_REWARD || kind == Kind.GPT2_REWARD) {
            shapes.put("score.weight", new long[] {1, d});
        } else if (!config.has("tie_word_embeddings") ? !gpt2 : !config.get("tie_word_embeddings").getAsBoolean()) {
            shapes.put("lm_head.weight", new long[] {vocab, d});
        }
        return shapes;
    }

    /** Norm scales near 1, biases and weights small, embeddings larger: activations stay O(1). */
    private static float[] randomValues(String name, long[] shape, Random random) {
        long count = 1;
        for (long dim : shape) {
            count *= dim;
        }
        float[] values = new float[(int) count];
        boolean normScale = (name.contains("norm") || name.contains("ln_")) && name.endsWith("weight");
        boolean buffer = name.endsWith("attn.bias");
        for (int i = 0; i < values.length; i++) {
            double gaussian = random.nextGaussian();
            values[i] = buffer ? 1f
                    : normScale ? (float) (1 + 0.1 * gaussian)
                    : name.contains("embed") || name.contains("wte") || name.contains("wpe") ? (float) (0.5 * gaussian)
                    : (float) (0.15 * gaussian);
        }
        return values;
    }

    static NamedTensor encode(String name, long[] shape, float[] values, TensorDType dtype) {
        ByteBuffer bytes = ByteBuffer.allocate(values.length * dtype.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        for (float value : values) {
            switch (dtype) {
                case F32 -> bytes.putFloat(value);
                case BF16 -> bytes.putShort(BFloat16.fromFloat(value));
                case F16 -> bytes.putShort(HalfFloat.fromFloat(value));
                case I64 -> throw new IllegalArgumentException("weights are floating point");
            }
        }
        return new NamedTensor(name, dtype, shape, bytes.array());
    }

    private static void writeWeights(Path directory, List<NamedTensor> tensors, int shards) throws IOException {
        Map<String, String> metadata = Map.of("format", "pt");
        if (shards == 1) {
            SafeTensors.write(directory.resolve("model.safetensors"), tensors, metadata);
            return;
        }
        JsonObject weightMap = new JsonObject();
        long totalSize = 0;
        int perShard = (tensors.size() + shards - 1) / shards;
        for (int shard = 0; shard < shards; shard++) {
            String file = String.format("model-%05d-of-%05d.safetensors", shard + 1, shards);
            List<NamedTensor> part = tensors.subList(shard * perShard, Math.min(tensors.size(), (shard + 1) * perShard));
            SafeTensors.write(directory.resolve(file), part, metadata);
            for (NamedTensor tensor : part) {
                weightMap.addProperty(tensor.name(), file);
                totalSize += tensor.data().length;
            }
        }
        JsonObject index = new JsonObject();
        JsonObject indexMetadata = new JsonObject();
        indexMetadata.addProperty("total_size", totalSize);
        index.add("metadata", indexMetadata);
        index.add("weight_map", weightMap);
        Files.write(directory.resolve("model.safetensors.index.json"),
                new GsonBuilder().setPrettyPrinting().create().toJson(index).getBytes(StandardCharsets.UTF_8));
    }
}
