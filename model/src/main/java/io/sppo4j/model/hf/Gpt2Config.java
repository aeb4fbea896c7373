package io.sppo4j.model.hf;

import java.util.Set;

/**
 * Shape of a GPT-2 decoder as read from {@code config.json}.
 *
 * @param contextLength {@code n_positions}, the rows of the learned position table
 * @param innerSize MLP width, {@code n_inner} or 4 × {@code n_embd}
 */
record Gpt2Config(
        int vocabSize,
        int width,
        int layers,
        int heads,
        int contextLength,
        int innerSize,
        double layerNormEps,
        boolean tieWordEmbeddings) {

    /** All spell GPT-2's tanh approximation of GELU. */
    private static final Set<String> TANH_GELU = Set.of("gelu_new", "gelu_pytorch_tanh", "gelu_fast");

    static Gpt2Config from(ConfigJson json) {
        String activation = json.optionalString("activation_function", "gelu_new");
        if (!TANH_GELU.contains(activation)) {
            throw json.invalid("activation_function", "unsupported activation '" + activation + "' (supported: " + TANH_GELU + ")");
        }
        if (json.optionalBoolean("scale_attn_by_inverse_layer_idx", false)) {
            throw json.invalid("scale_attn_by_inverse_layer_idx", "true is not supported");
        }
        if (!json.optionalBoolean("scale_attn_weights", true)) {
            throw json.invalid("scale_attn_weights", "false is not supported");
        }
        int width = json.requiredPositive("n_embd");
        int heads = json.requiredPositive("n_head");
        if (width % heads != 0) {
            throw json.invalid("n_head", heads + " does not divide n_embd " + width);
        }
        return new Gpt2Config(
                json.requiredPositive("vocab_size"),
                width,
                json.requiredPositive("n_layer"),
                heads,
                json.requiredPositive("n_positions"),
                json.optionalPositive("n_inner", 4 * width),
                json.optionalDouble("layer_norm_epsilon", 1e-5),
                json.optionalBoolean("tie_word_embeddings", true));
    }

    int headDim() {
        return width / heads;
    }
}
