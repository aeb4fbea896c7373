package io.sppo4j.model.judge.pairrm;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.sppo4j.model.checkpoint.SafeTensors;
import io.sppo4j.model.weights.BFloat16;
import io.sppo4j.model.weights.NamedTensor;
import io.sppo4j.model.weights.TensorDType;
import io.sppo4j.model.weights.TensorSpec;
import io.sppo4j.model.weights.TensorSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A {@code DebertaV2PairRM} directory with random weights, in PairRM-hf's layout: its
 * {@code config.json} keys, tensor names and a DeBERTa-v3-style {@code tokenizer.json}
 * (SentencePiece Unigram over characters and a few words, Metaspace, {@code [CLS] $A [SEP]}, and
 * PairRM's four added tokens right after {@code [MASK]}). For benchmarks at PairRM's real shape
 * without the 1.7 GB download, and for tests at tiny shapes; the judgements mean nothing.
 */
public final class RandomPairRm {

    /**
     * What varies between a test model and the real one.
     *
     * @param unigramPieces size of the tokenizer's model vocabulary (PairRM: 128000); the text
     *     pieces come first, the rest are unused placeholders, then [MASK] and the prefixes
     */
    public record Shape(int hidden, int layers, int heads, int intermediate, int buckets, int maxRelativePositions,
            boolean shareAttentionKey, List<String> attentionTerms, boolean normaliseRelative, int tasks, int unigramPieces) {

        /** Vocabulary of the model: the pieces, [MASK] and the four prefixes. */
        public int vocabSize() {
            return unigramPieces + 5;
        }

        int span() {
            return buckets > 0 ? buckets : maxRelativePositions;
        }
    }

    /** llm-blender/PairRM-hf: DeBERTa-v3-large (24 layers, hidden 1024, 16 heads, 256 buckets over 512 positions). */
    public static final Shape PAIRRM = new Shape(1024, 24, 16, 4096, 256, -1, true, List.of("p2c", "c2p"), true, 1, 128000);

    private static final String TEXT_PIECES = "abcdefghijklmnopqrstuvwxyz0123456789.,!?'-:;()";
    private static final String[] WORDS = {"hello", "world", "the", "answer", "is", "sort", "yes", "no"};

    private RandomPairRm() {}

    /** Writes config.json, model.safetensors (in {@code dtype}) and the tokenizer files into {@code directory}. */
    public static void write(Path directory, Shape shape, TensorDType dtype, long seed) throws IOException {
        Files.createDirectories(directory);
        Files.writeString(directory.resolve("config.json"), pretty(config(shape)));
        Files.writeString(directory.resolve("tokenizer.json"), pretty(tokenizer(shape)));
        Files.writeString(directory.resolve("tokenizer_config.json"), "{\"bos_token\": \"[CLS]\", \"cls_token\": \"[CLS]\","
                + " \"eos_token\": \"[SEP]\", \"sep_token\": \"[SEP]\", \"pad_token\": \"[PAD]\", \"unk_token\": \"[UNK]\","
                + " \"mask_token\": \"[MASK]\"}\n");
        Map<String, long[]> shapes = shapes(shape);
        List<TensorSpec> specs = new ArrayList<>();
        shapes.forEach((name, dims) -> specs.add(new TensorSpec(name, dtype, dims)));
        // One tensor at a time: PairRM-hf's shape is 0.87 GB in bf16, more than a small heap holds.
        TensorSource tensors = TensorSource.streamed(specs, visitor -> {
            Random random = new Random(seed);
            for (Map.Entry<String, long[]> entry : shapes.entrySet()) {
                visitor.visit(randomTensor(entry.getKey(), entry.getValue(), dtype, random));
            }
        });
        SafeTensors.write(directory.resolve("model.safetensors"), tensors, Map.of("format", "pt"));
    }

    static JsonObject config(Shape shape) {
        JsonObject config = new JsonObject();
        JsonArray architectures = new JsonArray();
        architectures.add(DebertaV2Config.ARCHITECTURE);
        config.add("architectures", architectures);
        config.addProperty("model_type", "deberta-v2");
        config.addProperty("vocab_size", shape.vocabSize());
        config.addProperty("hidden_size", shape.hidden());
        config.addProperty("num_hidden_layers", shape.layers());
        config.addProperty("num_attention_heads", shape.heads());
        config.addProperty("intermediate_size", shape.intermediate());
        config.addProperty("hidden_act", "gelu");
        config.addProperty("layer_norm_eps", 1e-7);
        config.addProperty("max_position_embeddings", 512);
        config.addProperty("max_relative_positions", shape.maxRelativePositions());
        config.addProperty("position_buckets", shape.buckets());
        config.addProperty("relative_attention", true);
        config.addProperty("position_biased_input", false);
        config.addProperty("share_att_key", shape.shareAttentionKey());
        JsonArray terms = new JsonArray();
        shape.attentionTerms().forEach(terms::add);
        config.add("pos_att_type", terms);
        config.addProperty("norm_rel_ebd", shape.normaliseRelative() ? "layer_norm" : "none");
        config.addProperty("type_vocab_size", 0);
        config.addProperty("pad_token_id", 0);
        config.addProperty("n_tasks", shape.tasks());
        config.addProperty("drop_out", 0.05);
        config.addProperty("source_prefix_id", shape.unigramPieces() + 1);
        config.addProperty("cand1_prefix_id", shape.unigramPieces() + 2);
        config.addProperty("cand2_prefix_id", shape.unigramPieces() + 3);
        config.addProperty("cand_prefix_id", shape.unigramPieces() + 4);
        config.addProperty("torch_dtype", "float32");
        return config;
    }

    /** Tensor names and shapes in DebertaV2PairRM's state-dict order. */
    static Map<String, long[]> shapes(Shape shape) {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        long d = shape.hidden();
        String e = "pretrained_model.embeddings.";
        shapes.put(e + "word_embeddings.weight", new long[] {shape.vocabSize(), d});
        shapes.put(e + "LayerNorm.weight", new long[] {d});
        shapes.put(e + "LayerNorm.bias", new long[] {d});
        for (int i = 0; i < shape.layers(); i++) {
            String l = "pretrained_model.encoder.layer." + i + ".";
            for (String projection : List.of("query_proj", "key_proj", "value_proj")) {
                shapes.put(l + "attention.self." + projection + ".weight", new long[] {d, d});
                shapes.put(l + "attention.self." + projection + ".bias", new long[] {d});
            }
            if (!shape.shareAttentionKey()) {
                for (String projection : List.of("pos_key_proj", "pos_query_proj")) {
                    if (shape.attentionTerms().contains(projection.equals("pos_key_proj") ? "c2p" : "p2c")) {
                        shapes.put(l + "attention.self." + projection + ".weight", new long[] {d, d});
                        shapes.put(l + "attention.self." + projection + ".bias", new long[] {d});
                    }
                }
            }
            shapes.put(l + "attention.output.dense.weight", new long[] {d, d});
            shapes.put(l + "attention.output.dense.bias", new long[] {d});
            shapes.put(l + "attention.output.LayerNorm.weight", new long[] {d});
            shapes.put(l + "attention.output.LayerNorm.bias", new long[] {d});
            shapes.put(l + "intermediate.dense.weight", new long[] {shape.intermediate(), d});
            shapes.put(l + "intermediate.dense.bias", new long[] {shape.intermediate()});
            shapes.put(l + "output.dense.weight", new long[] {d, shape.intermediate()});
            shapes.put(l + "output.dense.bias", new long[] {d});
            shapes.put(l + "output.LayerNorm.weight", new long[] {d});
            shapes.put(l + "output.LayerNorm.bias", new long[] {d});
        }
        shapes.put("pretrained_model.encoder.rel_embeddings.weight", new long[] {2L * shape.span(), d});
        if (shape.normaliseRelative()) {
            shapes.put("pretrained_model.encoder.LayerNorm.weight", new long[] {d});
            shapes.put("pretrained_model.encoder.LayerNorm.bias", new long[] {d});
        }
        shapes.put("head_layer.1.weight", new long[] {d, 2 * d});
        shapes.put("head_layer.1.bias", new long[] {d});
        shapes.put("head_layer.4.weight", new long[] {shape.tasks(), d});
        shapes.put("head_layer.4.bias", new long[] {shape.tasks()});
        return shapes;
    }

    /**
     * Norm scales near 1 and shifts near 0; embeddings N(0, 0.5²) so tokens differ visibly after
     * the LayerNorm; matrices N(0, 1/fan-in) so activations stay O(1) at any width.
     */
    private static NamedTensor randomTensor(String name, long[] shape, TensorDType dtype, Random random) {
        int count = 1;
        for (long dim : shape) {
            count = Math.multiplyExact(count, Math.toIntExact(dim));
        }
        boolean norm = name.contains("LayerNorm");
        boolean embedding = name.contains("embeddings");
        double std = embedding ? 0.5 : shape.length == 2 ? 1 / Math.sqrt(shape[1]) : 0.1;
        ByteBuffer bytes = ByteBuffer.allocate(count * dtype.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < count; i++) {
            double gaussian = random.nextGaussian();
            float value = (float) (norm && name.endsWith("weight") ? 1 + 0.1 * gaussian : std * gaussian);
            switch (dtype) {
                case F32 -> bytes.putFloat(value);
                case BF16 -> bytes.putShort(BFloat16.fromFloat(value));
                default -> throw new IllegalArgumentException("random weights are written as F32 or BF16, not " + dtype);
            }
        }
        return new NamedTensor(name, dtype, shape, bytes.array());
    }

    /** DeBERTa-v3's tokenizer.json layout over a small Unigram vocabulary. */
    static JsonObject tokenizer(Shape shape) {
        List<String> pieces = new ArrayList<>(List.of("[PAD]", "[CLS]", "[SEP]", "[UNK]", "\u2581"));
        for (char c : TEXT_PIECES.toCharArray()) {
            pieces.add(String.valueOf(c));
            pieces.add("\u2581" + c);
        }
        for (String word : WORDS) {
            pieces.add("\u2581" + word);
        }
        if (pieces.size() > shape.unigramPieces()) {
            throw new IllegalArgumentException("the tokenizer needs at least " + pieces.size() + " unigram pieces");
        }
        JsonArray vocab = new JsonArray();
        for (int id = 0; id < shape.unigramPieces(); id++) {
            JsonArray entry = new JsonArray();
            String piece = id < pieces.size() ? pieces.get(id) : "<unused" + id + ">";
            entry.add(piece);
            // Words beat their letters; placeholders never win.
            entry.add(id < 4 ? 0.0 : id >= pieces.size() ? -100.0 : piece.length() > 2 ? -2.0 : piece.length() == 2 ? -4.0 : -5.0);
            vocab.add(entry);
        }
        JsonObject model = new JsonObject();
        model.addProperty("type", "Unigram");
        model.addProperty("unk_id", 3);
        model.add("vocab", vocab);
        model.addProperty("byte_fallback", false);

        JsonArray added = new JsonArray();
        String[] special = {"[PAD]", "[CLS]", "[SEP]", "[UNK]"};
        for (int id = 0; id < special.length; id++) {
            added.add(addedToken(id, special[id], true));
        }
        int next = shape.unigramPieces();
        added.add(addedToken(next, "[MASK]", true));
        for (String prefix : List.of("<|source|>", "<|candidate1|>", "<|candidate2|>", "<|candidate|>")) {
            added.add(addedToken(++next, prefix, false)); // tokenizer.add_tokens: not special, normalised
        }
        JsonObject metaspace = new JsonObject();
        metaspace.addProperty("type", "Metaspace");
        metaspace.addProperty("replacement", "\u2581");
        metaspace.addProperty("prepend_scheme", "always");
        metaspace.addProperty("split", true);
        JsonObject whitespace = new JsonObject();
        whitespace.addProperty("type", "WhitespaceSplit");
        JsonArray pre = new JsonArray();
        pre.add(whitespace);
        pre.add(metaspace);
        JsonObject preTokenizer = new JsonObject();
        preTokenizer.addProperty("type", "Sequence");
        preTokenizer.add("pretokenizers", pre);

        JsonObject tokenizer = new JsonObject();
        tokenizer.addProperty("version", "1.0");
        tokenizer.add("truncation", null);
        tokenizer.add("padding", null);
        tokenizer.add("added_tokens", added);
        tokenizer.add("normalizer", null);
        tokenizer.add("pre_tokenizer", preTokenizer);
        tokenizer.add("post_processor", template());
        tokenizer.add("decoder", metaspace.deepCopy());
        tokenizer.add("model", model);
        return tokenizer;
    }

    private static JsonObject addedToken(int id, String content, boolean special) {
        JsonObject token = new JsonObject();
        token.addProperty("id", id);
        token.addProperty("content", content);
        token.addProperty("single_word", false);
        token.addProperty("lstrip", false);
        token.addProperty("rstrip", false);
        token.addProperty("normalized", !special);
        token.addProperty("special", special);
        return token;
    }

    /** {@code [CLS] $A [SEP]} (and {@code [CLS] $A [SEP] $B [SEP]} for pairs), as DeBERTa-v3's. */
    private static JsonObject template() {
        JsonObject processor = new JsonObject();
        processor.addProperty("type", "TemplateProcessing");
        processor.add("single", sequence("[CLS]", "A", "[SEP]"));
        processor.add("pair", sequence("[CLS]", "A", "[SEP]", "B", "[SEP]"));
        JsonObject specials = new JsonObject();
        specials.add("[CLS]", specialEntry("[CLS]", 1));
        specials.add("[SEP]", specialEntry("[SEP]", 2));
        processor.add("special_tokens", specials);
        return processor;
    }

    private static JsonArray sequence(String... parts) {
        JsonArray items = new JsonArray();
        for (String part : parts) {
            JsonObject inner = new JsonObject();
            inner.addProperty("id", part);
            inner.addProperty("type_id", 0);
            JsonObject item = new JsonObject();
            item.add(part.length() == 1 ? "Sequence" : "SpecialToken", inner);
            items.add(item);
        }
        return items;
    }

    private static JsonObject specialEntry(String token, int id) {
        JsonObject entry = new JsonObject();
        entry.addProperty("id", token);
        JsonArray ids = new JsonArray();
        ids.add(id);
        entry.add("ids", ids);
        JsonArray tokens = new JsonArray();
        tokens.add(token);
        entry.add("tokens", tokens);
        return entry;
    }

    private static String pretty(JsonObject json) {
        return new GsonBuilder().setPrettyPrinting().serializeNulls().disableHtmlEscaping().create().toJson(json) + "\n";
    }
}
