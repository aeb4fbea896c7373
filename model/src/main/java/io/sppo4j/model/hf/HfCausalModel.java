package io.sppo4j.model.hf;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import io.sppo4j.model.policy.KvCache;
import io.sppo4j.model.policy.LanguageModel;
import io.sppo4j.model.policy.PolicyConfig;

import java.util.LinkedHashMap;

/**
 * A {@code *ForCausalLM} / {@code GPT2LMHeadModel} checkpoint as a {@link LanguageModel}: the
 * sampler, scorer, optimiser and weight snapshots use it as they use the built-in policy.
 * Parameters are float32 on the chosen device whatever the on-disk dtype.
 */
public final class HfCausalModel implements LanguageModel, HfModel {

    private final NDManager manager;
    private final HfDecoder decoder;
    private final HfParameters parameters;
    private final Parameter outputHead;
    private final HfCheckpoint remainder;

    /** Loads into {@code manager}, which the model then owns and closes. */
    HfCausalModel(HfCheckpoint checkpoint, NDManager manager) {
        if (checkpoint.architecture().head() != HfArchitecture.Head.LANGUAGE_MODEL) {
            throw new IllegalArgumentException(checkpoint.directory() + ": " + checkpoint.architecture().className()
                    + " is not a causal language model (load it with HfModels.loadReward)");
        }
        this.manager = manager;
        try {
            parameters = new HfParameters(checkpoint, manager);
            decoder = HfDecoder.load(parameters);
            outputHead = checkpoint.config().optionalBoolean("tie_word_embeddings", defaultTied(checkpoint))
                    ? decoder.tokenEmbedding()
                    : parameters.load("lm_head.weight", decoder.vocabSize(), decoder.hiddenSize());
            remainder = parameters.finishLoading();
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** transformers' defaults: GPT-2 ties its head; the Llama family's configs default to untied. */
    private static boolean defaultTied(HfCheckpoint checkpoint) {
        return checkpoint.architecture().family() == HfArchitecture.Family.GPT2;
    }

    @Override
    public HfArchitecture architecture() {
        return remainder.architecture();
    }

    @Override
    public HfCheckpoint checkpoint() {
        return remainder;
    }

    @Override
    public int vocabSize() {
        return decoder.vocabSize();
    }

    /**
     * The model's shape as the built-in policy describes one (vocabulary, hidden size, blocks,
     * heads, context), recorded in the learner's checkpoints beside the weights.
     */
    public PolicyConfig shape() {
        return decoder.dimensions().shape();
    }

    @Override
    public int contextLength() {
        return decoder.contextLength();
    }

    @Override
    public Device device() {
        return manager.getDevice();
    }

    @Override
    public NDManager manager() {
        return manager;
    }

    /** {@inheritDoc} Dropout is never applied (see {@link HfDecoder}). */
    @Override
    public NDArray forward(NDArray tokens, NDArray keyMask, KvCache cache, boolean training) {
        NDArray hidden = decoder.hiddenStates(tokens, keyMask, cache); // (B, T, D)
        return Linear.linear(hidden, outputHead.getArray()).singletonOrThrow(); // (B, T, V)
    }

    @Override
    public KvCache newCache(NDManager parent, int batchSize, int capacity) {
        return decoder.newCache(parent, batchSize, capacity);
    }

    @Override
    public LinkedHashMap<String, Parameter> namedParameters() {
        return parameters.named();
    }

    @Override
    public void setTrainable(boolean trainable) {
        parameters.setTrainable(trainable);
    }

    @Override
    public void close() {
        manager.close();
    }
}
