package io.sppo4j.model.hf;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import io.sppo4j.model.checkpoint.SafeTensors;
import io.sppo4j.model.weights.NamedTensor;
import io.sppo4j.model.weights.TensorDType;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The model module's test checkpoints ({@link TinyHfModels}, {@link NaiveReference}, the tiny
 * Llama-3 tokenizer) for tests of other modules, which cannot see that package's helpers.
 */
public final class HfTestModels {

    /** The tiny Llama-3-style byte-level BPE of the text tests: 265 model tokens and 7 added ones. */
    public static final int CHAT_VOCAB = 272;
    /** Its two stop tokens, {@code <|endoftext|>} and {@code <|eot_id|>} (generation_config.json). */
    public static final int[] CHAT_STOP_TOKENS = {265, 267};

    private static final String[] TOKENIZER_FILES = {
        "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "generation_config.json"
    };

    private HfTestModels() {}

    /**
     * A tiny Llama ({@value TinyHfModels#VOCAB} tokens, no usable tokenizer) with a plain-Java
     * forward pass to check it against.
     */
    public static ScoredLlama scoredLlama(Path directory, long seed) throws IOException {
        TinyHfModels.Fixture fixture = TinyHfModels.write(directory, TinyHfModels.Kind.LLAMA, TensorDType.F32, 1, seed);
        return new ScoredLlama(directory, new NaiveReference(fixture));
    }

    /** A Llama checkpoint and the independent reference of its logits. */
    public record ScoredLlama(Path directory, NaiveReference reference) {

        public int vocabSize() {
            return TinyHfModels.VOCAB;
        }

        /** (T, V) logits of one unpadded sequence, from the plain-Java forward pass. */
        public float[][] logits(int[] ids) {
            return reference.logits(ids);
        }

        /** log p(ids[t] | ids[..t]) for t ≥ 1, from the plain-Java logits in double precision. */
        public double[] tokenLogProbs(int[] ids) {
            float[][] logits = reference.logits(ids);
            double[] logProbs = new double[ids.length - 1];
            for (int t = 1; t < ids.length; t++) {
                float[] row = logits[t - 1];
                double max = Double.NEGATIVE_INFINITY;
                for (float value : row) {
                    max = Math.max(max, value);
                }
                double total = 0;
                for (float value : row) {
                    total += Math.exp(value - max);
                }
                logProbs[t - 1] = row[ids[t]] - max - Math.log(total);
            }
            return logProbs;
        }
    }

    /**
     * A tiny random Llama over the Llama-3 test tokenizer, with its chat template, special tokens
     * and two stop tokens, the way a downloaded instruct model's directory looks.
     *
     * @param mute rewires the output so that every step's most likely token is a stop token by a
     *     wide margin: the model answers everything with the empty response
     */
    public static Path chatLlama(Path directory, long seed, boolean mute) throws IOException {
        return overChatTokenizer(directory, TinyHfModels.Kind.LLAMA, seed, mute);
    }

    /** A tiny random {@code LlamaForSequenceClassification} reward model over the same tokenizer. */
    public static Path chatRewardModel(Path directory, long seed) throws IOException {
        return overChatTokenizer(directory, TinyHfModels.Kind.LLAMA_REWARD, seed, false);
    }

    private static Path overChatTokenizer(Path directory, TinyHfModels.Kind kind, long seed, boolean mute) throws IOException {
        Files.createDirectories(directory);
        JsonObject config = TinyHfModels.config(kind);
        config.addProperty("vocab_size", CHAT_VOCAB);
        config.addProperty("max_position_embeddings", 128);
        Map<String, long[]> shapes = TinyHfModels.shapes(kind, config);
        shapes.put("model.embed_tokens.weight", new long[] {CHAT_VOCAB, TinyHfModels.HIDDEN});
        if (kind == TinyHfModels.Kind.LLAMA) {
            shapes.put("lm_head.weight", new long[] {CHAT_VOCAB, TinyHfModels.HIDDEN});
        }
        Random random = new Random(seed);
        List<NamedTensor> tensors = new ArrayList<>();
        for (Map.Entry<String, long[]> entry : shapes.entrySet()) {
            long count = 1;
            for (long dimension : entry.getValue()) {
                count *= dimension;
            }
            float[] values = new float[Math.toIntExact(count)];
            boolean normScale = entry.getKey().contains("norm");
            for (int i = 0; i < values.length; i++) {
                values[i] = normScale ? 1f : (float) (0.3 * random.nextGaussian());
            }
            if (mute) {
                silence(entry.getKey(), values);
            }
            tensors.add(TinyHfModels.encode(entry.getKey(), entry.getValue(), values, TensorDType.F32));
        }
        SafeTensors.write(directory.resolve("model.safetensors"), tensors, Map.of("format", "pt"));
        Files.writeString(directory.resolve("config.json"), new GsonBuilder().setPrettyPrinting().create().toJson(config) + "\n");
        copyChatTokenizer(directory);
        return directory;
    }

    /**
     * Puts the tiny Llama-3 tokenizer's files ({@value #CHAT_VOCAB} ids, chat template, two stop
     * tokens) into a model directory, replacing any there.
     */
    public static void copyChatTokenizer(Path directory) throws IOException {
        for (String file : TOKENIZER_FILES) {
            try (InputStream in = HfTestModels.class.getResourceAsStream("/io/sppo4j/model/text/llama3/" + file)) {
                if (in == null) {
                    throw new IllegalStateException("test resource llama3/" + file + " is not on the classpath");
                }
                Files.copy(in, directory.resolve(file), StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    /**
     * The final norm keeps one feature h0 (scale 1); the head reads only it, as +1000·h0 for one
     * stop token and −1000·h0 for the other: whatever h0's sign, a stop token leads by 1000·|h0|.
     */
    private static void silence(String name, float[] values) {
        if (name.equals("model.norm.weight")) {
            Arrays.fill(values, 0f);
            values[0] = 1f;
        } else if (name.equals("lm_head.weight")) {
            Arrays.fill(values, 0f);
            values[CHAT_STOP_TOKENS[0] * TinyHfModels.HIDDEN] = 1000f;
            values[CHAT_STOP_TOKENS[1] * TinyHfModels.HIDDEN] = -1000f;
        }
    }
}
