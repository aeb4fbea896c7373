package io.sppo4j.model.policy;

import com.typesafe.config.Config;
import io.sppo4j.model.config.ConfigReader;

/**
 * Shape of a decoder-only transformer policy.
 *
 * @param vocabSize number of token ids the embedding and the tied output head cover
 * @param width model width (embedding dimension)
 * @param layers number of transformer blocks
 * @param heads attention heads per block; must divide {@code width}
 * @param contextLength longest sequence (prompt + response) the position table covers
 * @param dropout dropout rate used only while training; 0 keeps training deterministic
 */
public record PolicyConfig(
        int vocabSize, int width, int layers, int heads, int contextLength, float dropout) {

    public PolicyConfig {
        require(vocabSize > 0, "vocabSize must be positive, got " + vocabSize);
        require(width > 0, "width must be positive, got " + width);
        require(layers > 0, "layers must be positive, got " + layers);
        require(heads > 0, "heads must be positive, got " + heads);
        require(width % heads == 0, "width " + width + " is not divisible by heads " + heads);
        require(contextLength > 0, "contextLength must be positive, got " + contextLength);
        require(dropout >= 0f && dropout < 1f, "dropout must be in [0, 1), got " + dropout);
    }

    /** Reads {@code sppo4j.policy}; the vocabulary comes from the tokenizer. */
    public static PolicyConfig from(Config config, int vocabSize) {
        ConfigReader policy = new ConfigReader(config, "sppo4j.policy");
        return policy.build(() -> new PolicyConfig(
                vocabSize,
                policy.positiveInt("width"),
                policy.positiveInt("layers"),
                policy.positiveInt("heads"),
                policy.positiveInt("context-length"),
                policy.floatIn("dropout", 0, 0.99)));
    }

    /** Width of one attention head. */
    public int headDim() {
        return width / heads;
    }

    /** Number of trainable scalars (the output head is tied to the token embedding). */
    public long parameterCount() {
        long embeddings = (long) vocabSize * width + (long) contextLength * width;
        long perLayer = 12L * width * width + 13L * width; // qkv + proj + 2-layer MLP (4x) + 2 LayerNorms
        return embeddings + layers * perLayer + 2L * width;
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException("PolicyConfig: " + message);
        }
    }
}
