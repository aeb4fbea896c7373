package io.sppo4j.model.decoder;

import ai.djl.ndarray.types.DataType;
import io.sppo4j.model.policy.PolicyConfig;

import java.util.Objects;

/**
 * Shape and variant of a decoder-only transformer: what {@link Decoder} builds. The built-in
 * policy is a small {@link Layout#GPT2} configuration; Llama, Qwen2 and Mistral checkpoints are
 * {@link Layout#LLAMA} ones. Both run the same attention, block and KV cache.
 *
 * @param layout which of the two block layouts, and so the tensor names
 * @param prefix prepended to every decoder tensor name ({@code "transformer."}, {@code "model."} or "")
 * @param kvHeads key/value heads; fewer than {@code heads} under grouped-query attention
 * @param intermediateSize width of the MLP's hidden layer
 * @param contextLength longest sequence (cached + new positions) the decoder runs
 * @param normEpsilon LayerNorm's or RMSNorm's epsilon
 * @param activation the MLP's non-linearity ({@link Activation#SILU} means the gated SwiGLU MLP)
 * @param rotary rotary position embedding ({@link Layout#LLAMA}); null for a learned position table
 * @param qkvBias the query/key/value projections carry biases
 * @param outputBias the attention output projection carries a bias
 * @param mlpBias the MLP projections carry biases
 * @param tiedEmbeddings the output head reuses the token embedding
 * @param dropout rate applied only while training; 0 for checkpoints loaded from disk
 */
public record DecoderConfig(
        Layout layout,
        String prefix,
        int vocabSize,
        int hiddenSize,
        int layers,
        int heads,
        int kvHeads,
        int headDim,
        int intermediateSize,
        int contextLength,
        double normEpsilon,
        Activation activation,
        RotaryEmbedding rotary,
        boolean qkvBias,
        boolean outputBias,
        boolean mlpBias,
        boolean tiedEmbeddings,
        float dropout) {

    /** The two block layouts; everything else is shared. */
    public enum Layout {
        /**
         * GPT-2: learned positions, LayerNorm with bias, one fused q/k/v projection, GELU MLP,
         * projections stored as Conv1D weights (in, out).
         */
        GPT2,
        /**
         * Llama: rotary positions, RMSNorm, separate q/k/v/o projections with grouped key/value
         * heads, SwiGLU MLP, projections stored as {@code nn.Linear} weights (out, in).
         */
        LLAMA
    }

    /** The MLP's non-linearity. */
    public enum Activation {
        /** Exact GELU, x·Φ(x) (transformers' {@code gelu}). */
        GELU,
        /** GPT-2's tanh approximation of GELU ({@code gelu_new}). */
        GELU_TANH,
        /** SiLU on the gate of a SwiGLU MLP. */
        SILU
    }

    public DecoderConfig {
        Objects.requireNonNull(layout, "layout");
        Objects.requireNonNull(prefix, "prefix");
        Objects.requireNonNull(activation, "activation");
        require(vocabSize > 0 && hiddenSize > 0 && layers > 0 && heads > 0 && kvHeads > 0 && headDim > 0
                && intermediateSize > 0 && contextLength > 0, "sizes must be positive");
        require(heads % kvHeads == 0, kvHeads + " key/value heads do not divide " + heads + " heads");
        require(dropout >= 0f && dropout < 1f, "dropout must be in [0, 1), got " + dropout);
        switch (layout) {
            case GPT2 -> {
                require(rotary == null, "GPT-2 has learned positions, not rotary ones");
                require(kvHeads == heads && heads * headDim == hiddenSize,
                        "GPT-2's fused attention needs heads × headDim = hidden and one key/value head per head");
                require(activation != Activation.SILU, "GPT-2's MLP is not gated");
            }
            case LLAMA -> {
                require(rotary != null && rotary.inverseFrequencies().length * 2 == headDim,
                        "Llama needs rotary frequencies for half the head dimension");
                require(activation == Activation.SILU, "Llama's MLP is SwiGLU");
            }
        }
    }

    /** Width of all query heads together. */
    public int queryWidth() {
        return heads * headDim;
    }

    /** Width of all key (or value) heads together. */
    public int kvWidth() {
        return kvHeads * headDim;
    }

    /** The same decoder with another dropout rate. */
    public DecoderConfig withDropout(float rate) {
        return new DecoderConfig(layout, prefix, vocabSize, hiddenSize, layers, heads, kvHeads, headDim,
                intermediateSize, contextLength, normEpsilon, activation, rotary, qkvBias, outputBias, mlpBias,
                tiedEmbeddings, rate);
    }

    /**
     * The shape as the learner's checkpoints record it beside the weights (vocabulary, hidden
     * size, blocks, heads, context, dropout).
     */
    public PolicyConfig shape() {
        return new PolicyConfig(vocabSize, hiddenSize, layers, heads, contextLength, dropout);
    }

    /** Scalars of the decoder and its output head (a tied head adds none). */
    public long parameterCount() {
        long d = hiddenSize;
        long attention = d * (queryWidth() + 2L * kvWidth()) + (long) queryWidth() * d
                + (qkvBias ? queryWidth() + 2L * kvWidth() : 0) + (outputBias ? d : 0);
        long mlpMatrices = layout == Layout.LLAMA ? 3 : 2;
        long mlp = mlpMatrices * d * intermediateSize
                + (mlpBias ? (mlpMatrices - 1) * intermediateSize + d : 0);
        long norms = layout == Layout.GPT2 ? 4 * d : 2 * d;
        long embeddings = (long) vocabSize * d + (layout == Layout.GPT2 ? (long) contextLength * d : 0);
        long finalNorm = layout == Layout.GPT2 ? 2 * d : d;
        long head = tiedEmbeddings ? 0 : (long) vocabSize * d;
        return embeddings + layers * (attention + mlp + norms) + finalNorm + head;
    }

    /** Bytes one position of a KV cache takes over all layers, keys and values. */
    public long cacheBytesPerPosition(DataType dtype) {
        return 2L * layers * kvWidth() * dtype.getNumOfBytes();
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException("DecoderConfig: " + message);
        }
    }
}
