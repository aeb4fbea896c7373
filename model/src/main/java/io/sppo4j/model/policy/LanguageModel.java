package io.sppo4j.model.policy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Parameter;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A causal language model as the sampler, the scorer, the optimiser and the weight code see it.
 * The built-in {@link TransformerPolicy} is one; Hugging Face architectures are others.
 */
public interface LanguageModel extends AutoCloseable {

    int vocabSize();

    /** Longest prompt + response the model accepts. */
    int contextLength();

    /** Device the parameters live on; every input must be created there. */
    Device device();

    /** Manager that owns the parameters. */
    NDManager manager();

    /**
     * Logits for new tokens.
     *
     * @param tokens (B, T) int64 token ids of the new positions
     * @param keyMask (B, Tc + T) int64, 1 for real tokens, 0 for padding, over cached and new
     *     positions; position ids and the attention bias derive from it
     * @param cache decoding cache holding Tc positions, extended by T; null for a full pass (Tc = 0)
     * @param training enables dropout; gradients flow whenever autograd is recording
     * @return (B, T, vocab) logits
     */
    NDArray forward(NDArray tokens, NDArray keyMask, KvCache cache, boolean training);

    /**
     * Logits of the token after the last new position, for decoding: as {@link #forward}'s last
     * position, without training. A model overrides it to apply its output head to that
     * position only: a prompt's prefill then costs one vocabulary-sized row per sequence, not
     * one per prompt token (at a 49k vocabulary, most of the prefill's memory and much of its
     * arithmetic).
     *
     * @return (B, vocab) logits
     */
    default NDArray nextTokenLogits(NDArray tokens, NDArray keyMask, KvCache cache) {
        return forward(tokens, keyMask, cache, false).get(":, -1, :");
    }

    /**
     * Logits of positions {@code from} (inclusive) to {@code to} (exclusive) of a full pass, as
     * {@link #forward} without a cache sliced there. A model overrides it to apply its output head
     * to those positions only: a teacher-forced scorer reads the response's positions, and the
     * prompt's would cost a vocabulary-wide matrix product and array each (for a SmolLM2-sized
     * model and 54-token prompts, 46% of a learner step's logits and 10% of its arithmetic).
     *
     * @return (B, to − from, vocab) logits
     */
    default NDArray positionLogits(NDArray tokens, NDArray keyMask, boolean training, long from, long to) {
        return forward(tokens, keyMask, null, training).get(new NDIndex(":, {}:{}, :", from, to));
    }

    /** A decoding cache for {@code batchSize} sequences of up to {@code capacity} positions. */
    KvCache newCache(NDManager manager, int batchSize, int capacity);

    /** Parameters by stable dotted name, in a fixed order (the order of snapshots and checkpoints). */
    LinkedHashMap<String, Parameter> namedParameters();

    /** Whether parameters record gradients: false for rollout copies, true for the learner. */
    void setTrainable(boolean trainable);

    /** New values were written into {@link #namedParameters()} (an import, a restore): derived weights follow. */
    default void parametersWritten() {}

    /**
     * Asks decoding (cached passes) to multiply by float16-packed copies of the weights, where this
     * model and device support it (a Llama-layout Hugging Face decoder on a CPU in float32).
     *
     * @return whether it will
     */
    default boolean decodeWithPackedFp16Weights(boolean enabled) {
        return false;
    }

    /** Weight elements held as float16-packed copies for decoding now (2 bytes each). */
    default long packedFp16Parameters() {
        return 0;
    }

    /**
     * The reference policy read off this model without a copy of it (a LoRA model: the base with
     * its starting adapters), or null where the reference needs a copy of its own. The view owns
     * nothing and shares this model's thread.
     */
    default LanguageModel referenceView() {
        return null;
    }

    /**
     * What a checkpoint of this model must agree with to be restored into it, recorded in the
     * checkpoint's extras (a LoRA model: the checksum of the base its adapters belong to).
     * Empty where the weights say everything.
     */
    default Map<String, String> checkpointTags() {
        return Map.of();
    }

    @Override
    void close();
}
