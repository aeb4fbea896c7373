package io.sppo4j.model.decoder;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.norm.Dropout;
import io.sppo4j.model.nd.Casts;
import io.sppo4j.model.policy.KvCache;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A decoder-only transformer without its head: token ids in, final normalised hidden states
 * out. Causal language models and reward models put different heads on it. Tensor names follow
 * transformers ({@code transformer.h.0.attn.c_attn.weight}, {@code model.layers.0.self_attn.q_proj.weight}).
 *
 * <p>One forward serves full teacher-forced passes and cached decoding. Left-padded batches
 * are handled by a key mask; positions count real tokens only, so padding never changes a
 * sequence's outputs.
 */
public final class Decoder {

    private final DecoderConfig config;
    private final DataType compute;
    private final Parameter tokenEmbedding;
    private final Parameter positionEmbedding;
    private final List<DecoderBlock> blocks = new ArrayList<>();
    private final Norm finalNorm;
    /** The blocks as one TorchScript call for decoding; null where that layout is not fused. */
    private final FusedLayers fused;
    /** Whether {@link #fused} applies to this decoder's weights: decided at the first cached pass. */
    private volatile Boolean fusedApplies;
    /** Off only to measure the per-operation path against the fused one ({@code bench llm}) and in tests. */
    private static volatile boolean fusedDecoding = true;
    private static final AtomicLong FUSED_PASSES = new AtomicLong();
    /** The model's LoRA adapters, or null: the fused pass runs only where they leave plain weights. */
    private final LoraAdapters adapters;
    /** Whether fused passes multiply by float16-packed copies of the matrices ({@link PackedFp16Weights}). */
    private volatile boolean packedFp16;

    /**
     * Declares the decoder's parameters in {@code source}, in checkpoint order.
     *
     * @param compute the type activations, KV caches and matrix products use
     */
    public Decoder(DecoderConfig config, ParameterSource source, DataType compute) {
        this.config = config;
        this.compute = compute;
        String prefix = config.prefix();
        long d = config.hiddenSize();
        boolean gpt2 = config.layout() == DecoderConfig.Layout.GPT2;
        tokenEmbedding = source.declare(prefix + (gpt2 ? "wte.weight" : "embed_tokens.weight"),
                Init.normal(Init.STD), config.vocabSize(), d);
        // GPT-2's positions start smaller than its tokens, as in nanoGPT's and the earlier built-in policy.
        positionEmbedding = gpt2 ? source.declare(prefix + "wpe.weight", Init.normal(Init.STD / 2), config.contextLength(), d)
                : null;
        for (int layer = 0; layer < config.layers(); layer++) {
            blocks.add(new DecoderBlock(source, config, layer));
        }
        finalNorm = Norm.declare(source, prefix + (gpt2 ? "ln_f" : "norm"), config);
        fused = FusedLayers.forBlocks(config, blocks);
        adapters = source.adapters();
    }

    /**
     * Whether cached passes without gradients run the blocks as one TorchScript call where the
     * layout allows ({@link FusedLayers}); on by default, off to compare the two paths.
     */
    public static void fusedDecoding(boolean enabled) {
        fusedDecoding = enabled;
    }

    /**
     * Whether cached passes (decoding) multiply by float16-packed copies of the blocks' matrices
     * through fbgemm instead of the float32 matrices: half the bytes each token reads, and a
     * faster kernel at small batches. Only where the fused pass runs, on a CPU computing in
     * float32; elsewhere the request is declined.
     *
     * @return whether the packed copies are used from now on
     */
    public boolean decodeWithPackedFp16Weights(boolean enabled) {
        boolean applies = enabled && packsFp16(config, tokenEmbedding.getArray().getDevice(), compute);
        packedFp16 = applies;
        if (!applies && fused != null) {
            fused.releasePacked();
        }
        return applies;
    }

    /** Whether a decoder of {@code config} decoding in {@code compute} on {@code device} can run on packed float16 weights. */
    public static boolean packsFp16(DecoderConfig config, Device device, DataType compute) {
        return FusedLayers.supports(config) && PackedFp16Weights.supported(device, compute);
    }

    /** Whether the next cached pass without gradients runs fused on float16-packed weights. */
    public boolean packsCachedPasses() {
        return packedFp16 && fusesCachedPasses();
    }

    /** Whether a cached pass without gradients runs the blocks as one {@link FusedLayers} call now. */
    private boolean fusesCachedPasses() {
        return fusedDecoding && fusedApplies() && (adapters == null || adapters.plainWeights());
    }

    /** The weights were written in place (a new version): packed copies are stale. */
    public void weightsWritten() {
        if (fused != null) {
            fused.releasePacked();
        }
    }

    /** Elements of the blocks' matrices held as float16 copies now (2 bytes each). */
    public long packedFp16Parameters() {
        return fused == null ? 0 : fused.packedParameters();
    }

    /** Passes this process ran through {@link FusedLayers} so far (tests and benchmarks read it). */
    public static long fusedPasses() {
        return FUSED_PASSES.get();
    }

    public DecoderConfig config() {
        return config;
    }

    /** The type activations are computed in. */
    public DataType computeType() {
        return compute;
    }

    /** The input embedding table (V, D), which a tied output head reuses. */
    public Parameter tokenEmbedding() {
        return tokenEmbedding;
    }

    /** A decoding cache for {@code batchSize} sequences of up to {@code capacity} positions, in the compute type. */
    public KvCache newCache(NDManager parent, int batchSize, int capacity) {
        if (capacity > config.contextLength()) {
            throw new IllegalArgumentException(
                    "KV cache capacity " + capacity + " exceeds the context length " + config.contextLength());
        }
        return new KvCache(parent, tokenEmbedding.getArray().getDevice(), compute, config.layers(), config.kvHeads(),
                config.headDim(), batchSize, capacity);
    }

    /**
     * @param tokens (B, T) int64 new positions
     * @param keyMask (B, Tc + T) int64 over cached and new positions, 0 at padding
     * @param cache null for a full pass; otherwise extended by T
     * @param training enables dropout
     * @return (B, T, D) hidden states after the final norm, in the compute type, on the tokens' manager
     */
    public NDArray hiddenStates(NDArray tokens, NDArray keyMask, KvCache cache, boolean training) {
        int steps = Math.toIntExact(tokens.getShape().get(1));
        int cached = cache == null ? 0 : cache.length();
        if (keyMask.getShape().get(1) != cached + steps) {
            throw new IllegalArgumentException("key mask covers " + keyMask.getShape().get(1)
                    + " positions, expected cached " + cached + " + new " + steps);
        }
        if (cached + steps > config.contextLength()) {
            throw new IllegalArgumentException(
                    "sequence of " + (cached + steps) + " tokens exceeds the context length " + config.contextLength());
        }
        NDArray bias = AttentionMask.bias(keyMask, steps, compute); // (B, 1, T, Tk)
        NDArray positions = AttentionMask.positions(keyMask, steps); // (B, T)
        NDArray x = embed(tokens, tokenEmbedding); // (B, T, D)
        RotaryEmbedding.Angles angles = null;
        if (positionEmbedding != null) {
            x = x.add(embed(positions, positionEmbedding));
        } else {
            angles = config.rotary().angles(positions, compute); // 2 × (B, 1, T, hd)
        }
        if (training && config.dropout() > 0f) {
            x = Dropout.dropout(x, config.dropout(), true).singletonOrThrow();
        }
        if (cache != null && !training && fusesCachedPasses()) {
            x = fused.forward(x, bias, angles, cache, packedFp16);
            FUSED_PASSES.incrementAndGet();
        } else {
            for (DecoderBlock block : blocks) {
                x = block.forward(x, bias, angles, cache, training);
            }
        }
        if (cache != null) {
            cache.advance(steps);
        }
        return finalNorm.apply(x);
    }

    private boolean fusedApplies() {
        if (fused == null) {
            return false;
        }
        Boolean applies = fusedApplies;
        if (applies == null) {
            applies = fused.appliesTo(compute);
            fusedApplies = applies;
        }
        return applies;
    }

    /** Embedding lookup in the compute type, owned by the index's manager, not the table's. */
    private NDArray embed(NDArray index, Parameter table) {
        NDArray rows = Embedding.embedding(index, table.getArray(), SparseFormat.DENSE).singletonOrThrow();
        return Casts.to(rows, compute);
    }
}
