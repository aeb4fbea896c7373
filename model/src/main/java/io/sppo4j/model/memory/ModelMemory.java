package io.sppo4j.model.memory;

import ai.djl.ndarray.types.DataType;
import io.sppo4j.model.decoder.DecoderConfig;

/**
 * Sizes of what a decoder holds or allocates: exact for weights, optimiser state and KV caches,
 * estimates (the largest arrays alive at once, rounded up) for activations.
 */
public final class ModelMemory {

    private static final long FP32 = 4;

    private ModelMemory() {}

    /** Parameters stored as {@code storage}. */
    public static long weights(DecoderConfig config, DataType storage) {
        return config.parameterCount() * storage.getNumOfBytes();
    }

    /**
     * Float16-packed copies of the blocks' matrices and the output head that decoding on packed
     * weights multiplies by ({@code sppo4j.rollout.fp16-packed-weights}): 2 bytes an element.
     */
    public static long packedFp16Weights(DecoderConfig config) {
        long d = config.hiddenSize();
        long attention = config.heads() * (long) config.headDim();
        long keyValue = config.kvHeads() * (long) config.headDim();
        long block = d * (attention + 2 * keyValue) + attention * d + 3 * d * config.intermediateSize();
        return 2 * (config.layers() * block + (long) config.vocabSize() * d);
    }

    /** Float32 gradients of every parameter. */
    public static long gradients(DecoderConfig config) {
        return config.parameterCount() * FP32;
    }

    /** AdamW's two float32 moments per parameter. */
    public static long optimizer(DecoderConfig config) {
        return 2 * config.parameterCount() * FP32;
    }

    /** Keys and values of every layer for {@code batch} sequences of {@code positions}. */
    public static long kvCache(DecoderConfig config, DataType compute, int batch, int positions) {
        return config.cacheBytesPerPosition(compute) * batch * positions;
    }

    /**
     * Decoding: the prompt's pass (the hidden arrays of one layer, its attention scores, and the
     * logits of the last position only, which is all {@code nextTokenLogits} computes) and each
     * step's float32 vocabulary-wide arrays (logits, log-softmax, filtered, cumulative).
     */
    public static long decodeActivations(DecoderConfig config, DataType compute, int batch, int promptPositions) {
        long vocab = config.vocabSize();
        long prefillLogits = (long) batch * vocab * (compute.getNumOfBytes() + FP32);
        long scores = 2L * batch * config.heads() * promptPositions * promptPositions * compute.getNumOfBytes();
        long hidden = 8L * batch * promptPositions * Math.max(config.hiddenSize(), config.intermediateSize())
                * compute.getNumOfBytes();
        long step = 6L * batch * vocab * FP32;
        return prefillLogits + scores + hidden + step;
    }

    /**
     * A teacher-forced pass kept for backward: per layer the norms' float32 inputs and outputs,
     * q/k/v and the attention output, the MLP's hidden arrays, the attention scores and weights;
     * then, at the {@code scored} positions only ({@code positionLogits}), the logits in the compute
     * type, their float32 copy, log-softmax and its gradient.
     */
    public static long trainingActivations(DecoderConfig config, DataType compute, int batch, int positions, int scored) {
        long c = compute.getNumOfBytes();
        long tokens = (long) batch * positions;
        long mlpArrays = config.layout() == DecoderConfig.Layout.LLAMA ? 4 : 2;
        long perLayer = tokens * (4 * config.hiddenSize() * FP32
                + (2L * config.queryWidth() + 2L * config.kvWidth()) * c
                + mlpArrays * config.intermediateSize() * c
                + 2L * config.hiddenSize() * c)
                + 2L * batch * config.heads() * positions * (long) positions * c;
        long logits = (long) batch * scored * config.vocabSize() * (c + 3 * FP32);
        return config.layers() * perLayer + logits;
    }

    /** A scorer's pass without gradients (the reward model, the reference's log-probabilities). */
    public static long inferenceActivations(DecoderConfig config, DataType compute, int batch, int positions) {
        long c = compute.getNumOfBytes();
        long tokens = (long) batch * positions;
        long layer = tokens * (4 * config.hiddenSize() * FP32 + 2L * config.intermediateSize() * c)
                + 2L * batch * config.heads() * positions * (long) positions * c;
        return layer + tokens * config.vocabSize() * (c + 2 * FP32);
    }
}
