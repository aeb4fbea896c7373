package io.sppo4j.model.hf;

import ai.djl.ndarray.NDArray;
import io.sppo4j.model.decoder.LoraAdapters;
import io.sppo4j.model.policy.DelegatingLanguageModel;
import io.sppo4j.model.policy.KvCache;

/**
 * The reference policy of a LoRA model, read off the model itself: every pass runs with the
 * adapters the run started from (none where they were zero, so it is the base). It owns nothing:
 * making it trainable or closing it leaves the model as it is.
 */
final class AdapterReference extends DelegatingLanguageModel {

    private final LoraAdapters adapters;

    AdapterReference(HfCausalModel model, LoraAdapters adapters) {
        super(model);
        this.adapters = adapters;
    }

    @Override
    public NDArray forward(NDArray tokens, NDArray keyMask, KvCache cache, boolean training) {
        return adapters.asReference(() -> model.forward(tokens, keyMask, cache, training));
    }

    @Override
    public NDArray nextTokenLogits(NDArray tokens, NDArray keyMask, KvCache cache) {
        return adapters.asReference(() -> model.nextTokenLogits(tokens, keyMask, cache));
    }

    @Override
    public NDArray positionLogits(NDArray tokens, NDArray keyMask, boolean training, long from, long to) {
        return adapters.asReference(() -> model.positionLogits(tokens, keyMask, training, from, to));
    }

    /** The reference never trains, and must not freeze the model it reads. */
    @Override
    public void setTrainable(boolean trainable) {}

    /** The model's owner closes it. */
    @Override
    public void close() {}
}
