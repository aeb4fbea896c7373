package io.sppo4j.model.hf;

import java.util.Optional;

/**
 * Shape of a Llama-family decoder (Llama, Qwen2, Mistral) as read from {@code config.json}.
 *
 * @param contextLength the longest sequence this implementation runs: {@code max_position_embeddings},
 *     capped at the sliding window when one is active, since within the window sliding-window
 *     attention and full attention are the same computation
 * @param qkvBias q/k/v projections carry biases (Qwen2 always; Llama with {@code attention_bias})
 * @param outputBias o_proj carries a bias (Llama with {@code attention_bias})
 * @param mlpBias gate/up/down carry biases (Llama with {@code mlp_bias})
 */
record LlamaConfig(
        int vocabSize,
        int hiddenSize,
        int intermediateSize,
        int layers,
        int heads,
        int kvHeads,
        int headDim,
        double rmsNormEps,
        RotaryEmbedding rotary,
        int contextLength,
        boolean tieWordEmbeddings,
        boolean qkvBias,
        boolean outputBias,
        boolean mlpBias) {

    static LlamaConfig from(ConfigJson json, HfArchitecture.Family family) {
        String activation = json.optionalString("hidden_act", "silu");
        if (!activation.equals("silu")) {
            throw json.invalid("hidden_act", "unsupported activation '" + activation + "' (the SwiGLU MLP needs silu)");
        }
        int hidden = json.requiredPositive("hidden_size");
        int heads = json.requiredPositive("num_attention_heads");
        int kvHeads = json.optionalPositive("num_key_value_heads", heads);
        if (heads % kvHeads != 0) {
            throw json.invalid("num_key_value_heads", kvHeads + " does not divide num_attention_heads " + heads);
        }
        int headDim = json.optionalPositive("head_dim", hidden / heads);
        if (headDim % 2 != 0) {
            throw json.invalid("head_dim", "rotary embeddings need an even head dimension, got " + headDim);
        }
        int context = json.requiredPositive("max_position_embeddings");
        boolean attentionBias = json.optionalBoolean("attention_bias", false);
        boolean qwen2 = family == HfArchitecture.Family.QWEN2;
        return new LlamaConfig(
                json.requiredPositive("vocab_size"),
                hidden,
                json.requiredPositive("intermediate_size"),
                json.requiredPositive("num_hidden_layers"),
                heads,
                kvHeads,
                headDim,
                json.optionalDouble("rms_norm_eps", 1e-6),
                RotaryEmbedding.from(json, headDim),
                slidingWindow(json, family).map(window -> Math.min(window, context)).orElse(context),
                json.optionalBoolean("tie_word_embeddings", false),
                qwen2 || attentionBias,
                !qwen2 && attentionBias,
                json.optionalBoolean("mlp_bias", false));
    }

    /** Mistral's window whenever set; Qwen2's only with {@code use_sliding_window}. */
    private static Optional<Integer> slidingWindow(ConfigJson json, HfArchitecture.Family family) {
        boolean active = switch (family) {
            case MISTRAL -> json.has("sliding_window");
            case QWEN2 -> json.optionalBoolean("use_sliding_window", false) && json.has("sliding_window");
            default -> false;
        };
        return active
                ? Optional.of(json.requiredPositive("sliding_window"))
                : Optional.empty();
    }

    /** Query heads that share one key/value head. */
    int groupSize() {
        return heads / kvHeads;
    }
}
