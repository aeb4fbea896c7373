package io.sppo4j.model.judge.pairrm;

import io.sppo4j.model.hf.HfTensorDirectory;

import java.util.List;
import java.util.Set;

/**
 * The {@code config.json} of a {@code DebertaV2PairRM} directory ({@code llm-blender/PairRM-hf}):
 * transformers' {@code DebertaV2Config} with its defaults, plus the keys LLM-Blender's
 * {@code DebertaV2PairRM} adds ({@code n_tasks} and the ids of the prefix tokens whose hidden
 * states the head reads). Keys that change the network in ways this loader does not implement
 * ({@code conv_kernel_size}, another activation, {@code p2p} attention) fail naming the key.
 *
 * @param maxRelativePositions {@code max_relative_positions}, resolved as transformers does: a
 *     value below 1 means {@code max_position_embeddings}
 * @param attentionSpan relative distances each side of zero with an embedding row:
 *     {@code position_buckets} when positive, else {@code max_relative_positions}
 */
record DebertaV2Config(
        int vocabSize, int hiddenSize, int layers, int heads, int intermediateSize, double layerNormEps,
        boolean relativeAttention, int positionBuckets, int maxRelativePositions, int attentionSpan,
        boolean contentToPosition, boolean positionToContent, boolean shareAttentionKey, boolean normaliseRelativeEmbeddings,
        int tasks, int sourcePrefixId, int candidate1PrefixId, int candidate2PrefixId) {

    /** {@code architectures[0]} of LLM-Blender's Hugging Face port. */
    static final String ARCHITECTURE = "DebertaV2PairRM";

    private static final Set<String> ATTENTION_TERMS = Set.of("c2p", "p2c");
    private static final Set<String> RELATIVE_NORMS = Set.of("none", "layer_norm");

    int headDim() {
        return hiddenSize / heads;
    }

    /**
     * The divisor of every attention term, √(headDim · (1 + number of relative terms)), as
     * transformers' {@code DisentangledSelfAttention} scales all three by the same factor.
     */
    double scale() {
        return Math.sqrt(headDim() * (1.0 + (contentToPosition ? 1 : 0) + (positionToContent ? 1 : 0)));
    }

    boolean usesRelativeTerms() {
        return relativeAttention && (contentToPosition || positionToContent);
    }

    static DebertaV2Config from(HfTensorDirectory.Config json) {
        String architecture = json.architecture();
        if (!ARCHITECTURE.equals(architecture)) {
            throw json.invalid("architectures", "expected " + ARCHITECTURE + " (llm-blender/PairRM-hf), got '"
                    + architecture + "'");
        }
        int hidden = json.requiredPositive("hidden_size");
        int heads = json.requiredPositive("num_attention_heads");
        if (hidden % heads != 0) {
            throw json.invalid("num_attention_heads", "hidden_size " + hidden + " is not a multiple of " + heads + " heads");
        }
        if (json.has("attention_head_size") && json.requiredInt("attention_head_size") != hidden / heads) {
            throw json.invalid("attention_head_size", "only hidden_size / num_attention_heads = " + hidden / heads
                    + " is supported (the attention output projection is hidden × hidden)");
        }
        if (json.optionalBoolean("position_biased_input", true)) {
            throw json.invalid("position_biased_input", "absolute position embeddings are not supported (DeBERTa-v3"
                    + " and PairRM set it to false; transformers defaults it to true)");
        }
        if (json.optionalInt("type_vocab_size", 0) > 0) {
            throw json.invalid("type_vocab_size", "token-type embeddings are not supported (PairRM has 0)");
        }
        if (json.optionalInt("embedding_size", hidden) != hidden) {
            throw json.invalid("embedding_size", "an embedding narrower than hidden_size (embed_proj) is not supported");
        }
        if (json.optionalInt("conv_kernel_size", 0) > 0) {
            throw json.invalid("conv_kernel_size", "the convolution after the first layer (DeBERTa-v2 xlarge) is not"
                    + " supported; PairRM (DeBERTa-v3) has none");
        }
        String activation = json.optionalString("hidden_act", "gelu");
        if (!activation.equals("gelu")) {
            throw json.invalid("hidden_act", "only gelu (exact, erf) is supported, got '" + activation + "'");
        }
        List<String> terms = json.names("pos_att_type", List.of());
        for (String term : terms) {
            if (!ATTENTION_TERMS.contains(term)) {
                throw json.invalid("pos_att_type", "unsupported attention term '" + term + "' (supported: c2p, p2c)");
            }
        }
        List<String> norms = json.names("norm_rel_ebd", List.of("none"));
        for (String norm : norms) {
            if (!RELATIVE_NORMS.contains(norm)) {
                throw json.invalid("norm_rel_ebd", "unsupported '" + norm + "' (supported: none, layer_norm)");
            }
        }
        int maxPositions = json.optionalInt("max_position_embeddings", 512);
        int maxRelative = json.optionalInt("max_relative_positions", -1);
        if (maxRelative < 1) {
            maxRelative = maxPositions;
        }
        int buckets = json.optionalInt("position_buckets", -1);
        int span = buckets > 0 ? buckets : maxRelative;
        if (buckets > 0 && maxRelative <= buckets / 2 + 1) {
            // Log buckets divide by log((max_relative_positions - 1) / (buckets / 2)).
            throw json.invalid("position_buckets", buckets + " buckets need max_relative_positions above "
                    + (buckets / 2 + 1) + ", got " + maxRelative);
        }
        int vocab = json.requiredPositive("vocab_size");
        for (String key : List.of("source_prefix_id", "cand1_prefix_id", "cand2_prefix_id")) {
            int id = json.requiredInt(key);
            if (id < 0 || id >= vocab) {
                throw json.invalid(key, id + " is outside the vocabulary of " + vocab);
            }
        }
        return new DebertaV2Config(
                vocab, hidden, json.requiredPositive("num_hidden_layers"), heads, json.requiredPositive("intermediate_size"),
                json.optionalDouble("layer_norm_eps", 1e-7), json.optionalBoolean("relative_attention", false), buckets, maxRelative, span, terms.contains("c2p"), terms.contains("p2c"),
                json.optionalBoolean("share_att_key", false), norms.contains("layer_norm"),
                json.requiredPositive("n_tasks"), json.requiredInt("source_prefix_id"),
                json.requiredInt("cand1_prefix_id"), json.requiredInt("cand2_prefix_id"));
    }
}
