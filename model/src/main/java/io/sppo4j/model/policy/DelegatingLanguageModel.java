package io.sppo4j.model.policy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A language model that answers as another one does, for wrappers that change a few answers
 * (the logits a pass returns, what closing means) and keep the rest: each overrides what it
 * changes only.
 */
public abstract class DelegatingLanguageModel implements LanguageModel {

    /** The model answered for. */
    protected final LanguageModel model;

    protected DelegatingLanguageModel(LanguageModel model) {
        this.model = model;
    }

    @Override
    public NDArray forward(NDArray tokens, NDArray keyMask, KvCache cache, boolean training) {
        return model.forward(tokens, keyMask, cache, training);
    }

    @Override
    public NDArray nextTokenLogits(NDArray tokens, NDArray keyMask, KvCache cache) {
        return model.nextTokenLogits(tokens, keyMask, cache);
    }

    @Override
    public NDArray positionLogits(NDArray tokens, NDArray keyMask, boolean training, long from, long to) {
        return model.positionLogits(tokens, keyMask, training, from, to);
    }

    @Override
    public int vocabSize() {
        return model.vocabSize();
    }

    @Override
    public int contextLength() {
        return model.contextLength();
    }

    @Override
    public Device device() {
        return model.device();
    }

    @Override
    public NDManager manager() {
        return model.manager();
    }

    @Override
    public KvCache newCache(NDManager manager, int batchSize, int capacity) {
        return model.newCache(manager, batchSize, capacity);
    }

    @Override
    public LinkedHashMap<String, Parameter> namedParameters() {
        return model.namedParameters();
    }

    @Override
    public void setTrainable(boolean trainable) {
        model.setTrainable(trainable);
    }

    @Override
    public void parametersWritten() {
        model.parametersWritten();
    }

    @Override
    public boolean decodeWithPackedFp16Weights(boolean enabled) {
        return model.decodeWithPackedFp16Weights(enabled);
    }

    @Override
    public long packedFp16Parameters() {
        return model.packedFp16Parameters();
    }

    @Override
    public Map<String, String> checkpointTags() {
        return model.checkpointTags();
    }

    @Override
    public void close() {
        model.close();
    }
}
