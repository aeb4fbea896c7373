package io.sppo4j.model.hf;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import io.sppo4j.model.decoder.Decoder;
import io.sppo4j.model.decoder.DecoderConfig;
import io.sppo4j.model.decoder.Init;
import io.sppo4j.model.decoder.LoraAdapters;
import io.sppo4j.model.decoder.LoraConfig;
import io.sppo4j.model.decoder.PackedFp16Weights;
import io.sppo4j.model.decoder.ParameterSource;
import io.sppo4j.model.decoder.Projection;
import io.sppo4j.model.nd.Casts;
import io.sppo4j.model.nd.Precision;
import io.sppo4j.model.policy.KvCache;
import io.sppo4j.model.policy.LanguageModel;
import io.sppo4j.model.policy.PolicyConfig;

import java.nio.file.Path;
import java.util.Map;

/**
 * A decoder with a language-model head: the policy that the sampler, scorer, optimiser and
 * weight snapshots use. A {@code *ForCausalLM} / {@code GPT2LMHeadModel} checkpoint loads into
 * one, and the built-in policy is one too: a small GPT-2 configuration drawn from the seed
 * ({@link HfModels#builtIn}), saved as a directory {@code transformers} loads.
 *
 * <p>A checkpoint read from disk trains without dropout: the configured rates (GPT-2's 0.1) are
 * for pre-training, and preference fine-tuning scores the same sequences under two policies,
 * which dropout noise would blur. The built-in policy applies its configured rate.
 */
public final class HfCausalModel extends DecoderModel implements LanguageModel {

    /** Checkpoint extras of a LoRA run: the base's {@link BaseChecksum}, which must match at resume, and its path. */
    public static final String LORA_BASE_CHECKSUM = "lora_base_checksum";
    public static final String LORA_BASE_PATH = "lora_base_path";

    /** The output head's float16 copy, where decoding runs on packed weights. */
    private final PackedFp16Weights packedHead = new PackedFp16Weights();

    HfCausalModel(WeightsOrigin origin, NDManager manager, Precision precision) {
        this(origin, manager, precision, LoraConfig.OFF);
    }

    /** @param lora adapters to train instead of the whole model ({@link LoraConfig#OFF} for none) */
    HfCausalModel(WeightsOrigin origin, NDManager manager, Precision precision, LoraConfig lora) {
        super(origin, manager, precision, HfArchitecture.Head.LANGUAGE_MODEL, HfCausalModel::outputHead, lora);
    }

    /** The token embedding when tied (transformers' default for GPT-2 only), else {@code lm_head.weight}. */
    private static Projection outputHead(ParameterSource parameters, ConfigJson config, Decoder decoder) {
        DecoderConfig shape = decoder.config();
        return shape.tiedEmbeddings()
                ? Projection.tied(decoder.tokenEmbedding())
                : Projection.declare(parameters, "lm_head", shape.hiddenSize(), shape.vocabSize(), false,
                        Projection.Layout.OUT_IN, Init.normal(Init.STD));
    }

    @Override
    public int vocabSize() {
        return decoder().config().vocabSize();
    }

    /**
     * The model's shape as the learner's checkpoints record it (vocabulary, hidden size, blocks,
     * heads, context, dropout).
     */
    public PolicyConfig shape() {
        return decoder().config().shape();
    }

    /** The decoder's full description. */
    public DecoderConfig decoderConfig() {
        return decoder().config();
    }

    /** {@inheritDoc} Logits are float32 whatever the compute type, for the log-softmax that follows. */
    @Override
    public NDArray forward(NDArray tokens, NDArray keyMask, KvCache cache, boolean training) {
        return logits(decoder().hiddenStates(tokens, keyMask, cache, training)); // (B, T, V)
    }

    @Override
    public NDArray nextTokenLogits(NDArray tokens, NDArray keyMask, KvCache cache) {
        boolean packed = cache != null && decoder().packsCachedPasses();
        NDArray last = decoder().hiddenStates(tokens, keyMask, cache, false).get(":, -1, :"); // (B, D)
        // The head is a fifth of a small model's bytes (49k × 576 of SmolLM2-135M's 134M): decoding
        // on packed blocks multiplies by a packed head too.
        return packed ? packedHead.linear(last, head().weight().getArray()) : logits(last); // (B, V)
    }

    @Override
    public boolean decodeWithPackedFp16Weights(boolean enabled) {
        boolean applies = decoder().decodeWithPackedFp16Weights(enabled);
        if (!applies) {
            packedHead.clear();
        }
        return applies;
    }

    @Override
    public long packedFp16Parameters() {
        return decoder().packedFp16Parameters() + packedHead.packedParameters();
    }

    @Override
    public NDArray positionLogits(NDArray tokens, NDArray keyMask, boolean training, long from, long to) {
        NDArray hidden = decoder().hiddenStates(tokens, keyMask, null, training); // (B, T, D)
        return logits(hidden.get(new NDIndex(":, {}:{}, :", from, to))); // (B, to − from, V)
    }

    /** The output head over hidden states (..., D), in float32 for the log-softmax that follows. */
    private NDArray logits(NDArray hidden) {
        return Casts.to(head().apply(hidden), DataType.FLOAT32); // (..., V)
    }

    /** The LoRA base's checksum and path, set by the loader once it knows them. */
    private Map<String, String> checkpointTags = Map.of();

    /** Records which base these adapters belong to; checkpoints carry it and refuse another base. */
    void tagLoraBase(Path base, String checksum) {
        checkpointTags = Map.of(LORA_BASE_CHECKSUM, checksum, LORA_BASE_PATH, base.toAbsolutePath().toString());
    }

    @Override
    public Map<String, String> checkpointTags() {
        return checkpointTags;
    }

    /**
     * New values: a rollout copy that decodes with merged weights refolds them, and one that
     * decodes on float16-packed weights packs them anew at its next pass.
     */
    @Override
    public void parametersWritten() {
        if (adapters() != null) {
            adapters().adaptersChanged();
        }
        decoder().weightsWritten();
        packedHead.clear();
    }

    /**
     * A LoRA model's reference policy without a second copy of the base: this model with the
     * adapters it holds now, kept aside ({@link LoraAdapters#keepAsReference}); none where they
     * are zero, so the reference is the base. Call it once the starting weights are in.
     */
    @Override
    public LanguageModel referenceView() {
        if (adapters() == null) {
            return null;
        }
        adapters().keepAsReference();
        return new AdapterReference(this, adapters());
    }

    @Override
    public KvCache newCache(NDManager parent, int batchSize, int capacity) {
        return decoder().newCache(parent, batchSize, capacity);
    }
}
