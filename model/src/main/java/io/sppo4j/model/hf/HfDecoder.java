package io.sppo4j.model.hf;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import io.sppo4j.model.policy.KvCache;
import io.sppo4j.model.policy.PolicyConfig;

/**
 * The decoder stack of a Hugging Face model, without its head: token ids in, final normalised
 * hidden states out. Causal language models and reward models put different heads on it.
 *
 * <p>Runs without dropout even when training: the configured rates (GPT-2's 0.1) are for
 * pre-training, and preference fine-tuning scores the same sequences under two policies,
 * which dropout noise would blur.
 */
abstract class HfDecoder {

    /** Declares the decoder's parameters in {@code parameters}, reading them from its checkpoint. */
    static HfDecoder load(HfParameters parameters) {
        HfCheckpoint checkpoint = parameters.checkpoint();
        HfArchitecture.Family family = checkpoint.architecture().family();
        // transformers also accepts a bare decoder's names (GPT-2's hub files say "wte.weight").
        String prefix = checkpoint.tensors().keySet().stream().anyMatch(name -> name.startsWith(family.basePrefix()))
                ? family.basePrefix()
                : "";
        return switch (family) {
            case LLAMA, QWEN2, MISTRAL -> new LlamaDecoder(LlamaConfig.from(checkpoint.config(), family), parameters, prefix);
            case GPT2 -> new Gpt2Decoder(Gpt2Config.from(checkpoint.config()), parameters, prefix);
        };
    }

    /** The dimensions {@code config.json} gives a decoder of {@code family}, without reading a tensor. */
    static Dimensions dimensions(ConfigJson config, HfArchitecture.Family family) {
        return switch (family) {
            case LLAMA, QWEN2, MISTRAL -> Dimensions.of(LlamaConfig.from(config, family));
            case GPT2 -> Dimensions.of(Gpt2Config.from(config));
        };
    }

    /** What every decoder is sized by; checkpoint metadata and the KV cache read it. */
    record Dimensions(int vocabSize, int hiddenSize, int contextLength, int layers, int heads) {

        static Dimensions of(LlamaConfig config) {
            return new Dimensions(config.vocabSize(), config.hiddenSize(), config.contextLength(), config.layers(),
                    config.heads());
        }

        static Dimensions of(Gpt2Config config) {
            return new Dimensions(config.vocabSize(), config.width(), config.contextLength(), config.layers(),
                    config.heads());
        }

        /**
         * The shape as the built-in policy describes one (vocabulary, hidden size, blocks, heads,
         * context), recorded in the learner's checkpoints beside the weights.
         */
        PolicyConfig shape() {
            return new PolicyConfig(vocabSize, hiddenSize, layers, heads, contextLength, 0f);
        }
    }

    private final Dimensions dimensions;

    HfDecoder(Dimensions dimensions) {
        this.dimensions = dimensions;
    }

    final int vocabSize() {
        return dimensions.vocabSize();
    }

    final int hiddenSize() {
        return dimensions.hiddenSize();
    }

    /** Longest sequence (cached + new positions) the decoder runs. */
    final int contextLength() {
        return dimensions.contextLength();
    }

    final Dimensions dimensions() {
        return dimensions;
    }

    /** The input embedding table (V, D), which a tied output head reuses. */
    abstract Parameter tokenEmbedding();

    /** What a KV cache holds per position: keys and values of every layer's key/value heads. */
    record CacheShape(int layers, int kvHeads, int headDim) {}

    abstract CacheShape cacheShape();

    /** A decoding cache on the parameters' device. */
    final KvCache newCache(NDManager parent, int batchSize, int capacity) {
        if (capacity > contextLength()) {
            throw new IllegalArgumentException(
                    "KV cache capacity " + capacity + " exceeds the context length " + contextLength());
        }
        CacheShape shape = cacheShape();
        return new KvCache(parent, tokenEmbedding().getArray().getDevice(), shape.layers(), shape.kvHeads(),
                shape.headDim(), batchSize, capacity);
    }

    /**
     * @param tokens (B, T) int64 new positions
     * @param keyMask (B, Tc + T) int64 over cached and new positions, 0 at padding
     * @param cache null for a full pass; otherwise extended by T
     * @return (B, T, D) hidden states after the final norm, on the tokens' manager
     */
    final NDArray hiddenStates(NDArray tokens, NDArray keyMask, KvCache cache) {
        int steps = Math.toIntExact(tokens.getShape().get(1));
        int cached = cache == null ? 0 : cache.length();
        if (keyMask.getShape().get(1) != cached + steps) {
            throw new IllegalArgumentException("key mask covers " + keyMask.getShape().get(1)
                    + " positions, expected cached " + cached + " + new " + steps);
        }
        if (cached + steps > contextLength()) {
            throw new IllegalArgumentException(
                    "sequence of " + (cached + steps) + " tokens exceeds the context length " + contextLength());
        }
        NDArray hidden = run(tokens, keyMask, cache, steps);
        if (cache != null) {
            cache.advance(steps);
        }
        return hidden;
    }

    /** The forward pass proper, inputs checked; must not advance the cache. */
    abstract NDArray run(NDArray tokens, NDArray keyMask, KvCache cache, int steps);

    /** Embedding lookup whose result belongs to the index's manager, not the table's. */
    static NDArray embed(NDArray index, Parameter table) {
        return Embedding.embedding(index, table.getArray(), SparseFormat.DENSE).singletonOrThrow();
    }

    /** x·Wᵀ (+ b) for a torch {@code nn.Linear} weight (out, in); null bias for none. */
    static NDArray linear(NDArray x, Parameter weight, Parameter bias) {
        return Linear.linear(x, weight.getArray(), HfParameters.valueOf(bias)).singletonOrThrow();
    }
}
