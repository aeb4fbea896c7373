package io.sppo4j.model.hf;

import io.sppo4j.model.decoder.DecoderConfig;

import java.util.Optional;

/**
 * A Llama-family {@code config.json} (Llama, Qwen2, Mistral) as a {@link DecoderConfig}.
 *
 * <p>The context length is {@code max_position_embeddings}, capped at the sliding window when one
 * is active: within the window sliding-window attention and full attention are the same
 * computation, and Mistral's (and Qwen2's optional) window is not otherwise applied. Qwen2
 * always has q/k/v biases; Llama has them, and an o_proj bias, with {@code attention_bias}.
 */
final class LlamaConfig {

    private LlamaConfig() {}

    static DecoderConfig from(ConfigJson json, HfArchitecture.Family family, String prefix) {
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
        if (!json.has("head_dim") && hidden % heads != 0) {
            // The default head dimension would silently drop hidden % heads columns.
            throw json.invalid("num_attention_heads", heads + " does not divide hidden_size " + hidden
                    + " and no head_dim is given");
        }
        int headDim = json.optionalPositive("head_dim", hidden / heads);
        if (headDim % 2 != 0) {
            throw json.invalid("head_dim", "rotary embeddings need an even head dimension, got " + headDim);
        }
        int context = json.requiredPositive("max_position_embeddings");
        boolean attentionBias = json.optionalBoolean("attention_bias", false);
        boolean qwen2 = family == HfArchitecture.Family.QWEN2;
        return new DecoderConfig(
                DecoderConfig.Layout.LLAMA,
                prefix,
                json.requiredPositive("vocab_size"),
                hidden,
                json.requiredPositive("num_hidden_layers"),
                heads,
                kvHeads,
                headDim,
                json.requiredPositive("intermediate_size"),
                slidingWindow(json, family).map(window -> Math.min(window, context)).orElse(context),
                json.optionalDouble("rms_norm_eps", 1e-6),
                DecoderConfig.Activation.SILU,
                RopeScaling.from(json, headDim),
                qwen2 || attentionBias,
                !qwen2 && attentionBias,
                json.optionalBoolean("mlp_bias", false),
                json.optionalBoolean("tie_word_embeddings", false),
                0f);
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
}
