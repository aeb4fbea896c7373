package io.sppo4j.model.hf;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import io.sppo4j.model.checkpoint.SafeTensors;
import io.sppo4j.model.tokenizer.RealTokenizers;
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
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * The model module's test checkpoints ({@link TinyHfModels}, {@link NaiveReference}, the tiny
 * Llama-3 tokenizer) for tests of other modules, which cannot see that package's helpers.
 */
public final class HfTestModels {

    /** The tiny Llama-3-style byte-level BPE of the text tests: 265 model tokens and 7 added ones. */
    public static final int CHAT_VOCAB = 272;
    /** Its two stop tokens, {@code <|endoftext|>} and {@code <|eot_id|>} (generation_config.json). */
    public static final int[] CHAT_STOP_TOKENS = {265, 267};

    /** Positions of the released-tokenizer models: room for the hard-strings chat prompt and a response. */
    private static final int RELEASED_CONTEXT = 512;

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
        writeLlama(directory, TinyHfModels.Kind.LLAMA, CHAT_VOCAB, 128, TensorDType.F32, seed,
                mute ? HfTestModels::silence : (name, values) -> {});
        copyChatTokenizer(directory);
        return directory;
    }

    /**
     * A {@code LlamaForSequenceClassification} over the chat tokenizer whose reward is decided by
     * the last token alone: strongly negative when it is one of {@code lowTokens}, strongly
     * positive for any other. Feature 0 of the residual stream is the token's embedding column (−1
     * for the listed tokens, +1 for the rest) because no layer writes to it; the final norm keeps
     * only that feature, divided by the residual's RMS (its sign survives), and the score head reads
     * it times 1000: rewards of ±1000 / RMS, in the hundreds for these weights.
     */
    public static Path lastTokenRewardModel(Path directory, long seed, Set<Integer> lowTokens) throws IOException {
        int hidden = TinyHfModels.HIDDEN;
        writeLlama(directory, TinyHfModels.Kind.LLAMA_REWARD, CHAT_VOCAB, 128, TensorDType.F32, seed, (name, values) -> {
            if (name.equals("model.embed_tokens.weight")) {
                for (int row = 0; row < values.length / hidden; row++) {
                    values[row * hidden] = lowTokens.contains(row) ? -1f : 1f;
                }
            } else if (name.endsWith("self_attn.o_proj.weight") || name.endsWith("mlp.down_proj.weight")) {
                Arrays.fill(values, 0, values.length / hidden, 0f); // row 0 of (hidden, in)
            } else if (name.equals("model.norm.weight")) {
                Arrays.fill(values, 0f);
                values[0] = 1f;
            } else if (name.equals("score.weight")) {
                Arrays.fill(values, 0f);
                values[0] = 1000f;
            }
        });
        copyChatTokenizer(directory);
        return directory;
    }

    /**
     * A tiny random Llama (bf16) whose embedding has a released model's rows, over that model's
     * real tokenizer files: what a user's instruct-model directory looks like, minus the size.
     */
    public static Path releasedLlama(Path directory, RealTokenizers tokenizer, long seed) throws IOException {
        writeLlama(directory, TinyHfModels.Kind.LLAMA, tokenizer.modelVocabSize(), RELEASED_CONTEXT, TensorDType.BF16, seed,
                (name, values) -> {});
        tokenizer.copyInto(directory);
        return directory;
    }

    /**
     * As {@link #releasedLlama}, rewired to answer {@code first} after any other token and
     * {@code then} after {@code first}, each by about a thousand logits: feature 0 of the
     * residual stream is the current token's embedding column (-1 for {@code first}, +1 for the
     * rest) because no layer writes to it, the final norm keeps only that feature, and the head
     * reads it as +1000 into {@code first} and -1000 into {@code then}.
     */
    public static Path answeringLlama(Path directory, RealTokenizers tokenizer, long seed, int first, int then)
            throws IOException {
        int hidden = TinyHfModels.HIDDEN;
        writeLlama(directory, TinyHfModels.Kind.LLAMA, tokenizer.modelVocabSize(), RELEASED_CONTEXT, TensorDType.BF16, seed,
                (name, values) -> {
                    if (name.equals("model.embed_tokens.weight")) {
                        for (int row = 0; row < values.length / hidden; row++) {
                            values[row * hidden] = row == first ? -1f : 1f;
                        }
                    } else if (name.endsWith("self_attn.o_proj.weight") || name.endsWith("mlp.down_proj.weight")) {
                        Arrays.fill(values, 0, values.length / hidden, 0f); // row 0 of (hidden, in)
                    } else if (name.equals("model.norm.weight")) {
                        Arrays.fill(values, 0f);
                        values[0] = 1f;
                    } else if (name.equals("lm_head.weight")) {
                        Arrays.fill(values, 0f);
                        values[first * hidden] = 1000f;
                        values[then * hidden] = -1000f;
                    }
                });
        tokenizer.copyInto(directory);
        return directory;
    }

    /** Random Llama weights of the given vocabulary and context, each tensor passed through {@code rewire}. */
    private static void writeLlama(Path directory, TinyHfModels.Kind kind, int vocab, int context, TensorDType dtype,
            long seed, BiConsumer<String, float[]> rewire) throws IOException {
        Files.createDirectories(directory);
        JsonObject config = TinyHfModels.config(kind);
        config.addProperty("vocab_size", vocab);
        config.addProperty("max_position_embeddings", context);
        Map<String, long[]> shapes = TinyHfModels.shapes(kind, config);
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
            rewire.accept(entry.getKey(), values);
            tensors.add(TinyHfModels.encode(entry.getKey(), entry.getValue(), values, dtype));
        }
        SafeTensors.write(directory.resolve("model.safetensors"), tensors, Map.of("format", "pt"));
        Files.writeString(directory.resolve("config.json"), new GsonBuilder().setPrettyPrinting().create().toJson(config) + "\n");
    }

    /**
     * Puts the tiny Llama-3 tokenizer's files ({@value #CHAT_VOCAB} ids, chat template, two stop
     * tokens) into a model directory, replacing any there.
     */
    public static void copyChatTokenizer(Path directory) throws IOException {
        for (String file : TOKENIZER_FILES) {
            try (InputStream in = HfTestModels.class.getResourceAsStream("/io/sppo4j/model/tokenizer/llama3/" + file)) {
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
