package io.sppo4j.model.hf;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import io.sppo4j.model.decoder.DecoderConfig;
import io.sppo4j.model.policy.PolicyConfig;

import java.nio.charset.StandardCharsets;
import java.util.Set;

/** A GPT-2 {@code config.json} as a {@link DecoderConfig}, and the one the built-in policy is written with. */
final class Gpt2Config {

    /** All spell GPT-2's tanh approximation of GELU. */
    private static final Set<String> TANH_GELU = Set.of("gelu_new", "gelu_pytorch_tanh", "gelu_fast");
    /** The exact GELU, as the built-in policy uses it. */
    private static final String EXACT_GELU = "gelu";

    private Gpt2Config() {}

    /** @param prefix of the tensor names: {@code transformer.}, or "" for a bare decoder's files */
    static DecoderConfig from(ConfigJson json, String prefix) {
        String activation = json.optionalString("activation_function", "gelu_new");
        if (!TANH_GELU.contains(activation) && !activation.equals(EXACT_GELU)) {
            throw json.invalid("activation_function", "unsupported activation '" + activation + "' (supported: "
                    + EXACT_GELU + ", " + TANH_GELU + ")");
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
        return new DecoderConfig(
                DecoderConfig.Layout.GPT2,
                prefix,
                json.requiredPositive("vocab_size"),
                width,
                json.requiredPositive("n_layer"),
                heads,
                heads,
                width / heads,
                json.optionalPositive("n_inner", 4 * width),
                json.requiredPositive("n_positions"),
                json.optionalDouble("layer_norm_epsilon", 1e-5),
                activation.equals(EXACT_GELU) ? DecoderConfig.Activation.GELU : DecoderConfig.Activation.GELU_TANH,
                null,
                true,
                true,
                true,
                json.optionalBoolean("tie_word_embeddings", true),
                0f);
    }

    /**
     * The {@code config.json} of the built-in policy: a small {@code GPT2LMHeadModel} with the
     * exact GELU, tied embeddings and the configured dropout (which the loader does not apply,
     * see {@link HfCausalModel}).
     */
    static byte[] builtIn(PolicyConfig shape) {
        JsonObject config = new JsonObject();
        JsonArray architectures = new JsonArray();
        architectures.add(HfArchitecture.GPT2_LM_HEAD_MODEL.className());
        config.add("architectures", architectures);
        config.addProperty("model_type", "gpt2");
        config.addProperty("vocab_size", shape.vocabSize());
        config.addProperty("n_embd", shape.width());
        config.addProperty("n_layer", shape.layers());
        config.addProperty("n_head", shape.heads());
        config.addProperty("n_positions", shape.contextLength());
        config.add("n_inner", JsonNull.INSTANCE);
        config.addProperty("activation_function", EXACT_GELU);
        config.addProperty("layer_norm_epsilon", 1e-5);
        config.addProperty("initializer_range", 0.02);
        for (String dropout : new String[] {"resid_pdrop", "embd_pdrop", "attn_pdrop"}) {
            config.addProperty(dropout, shape.dropout());
        }
        config.addProperty("tie_word_embeddings", true);
        config.addProperty("torch_dtype", "float32");
        return (new GsonBuilder().setPrettyPrinting().create().toJson(config) + "\n").getBytes(StandardCharsets.UTF_8);
    }
}
