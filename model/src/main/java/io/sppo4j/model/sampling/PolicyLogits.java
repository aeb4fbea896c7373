package io.sppo4j.model.sampling;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.sppo4j.model.policy.KvCache;
import io.sppo4j.model.policy.LanguageModel;

/** A language model as a logits source, with a KV cache or with full recomputation. */
public final class PolicyLogits implements LogitsSource {

    private final LanguageModel model;

    public PolicyLogits(LanguageModel model) {
        this.model = model;
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
    public DecodingSession open(NDManager manager, int batchSize, int capacity, boolean useCache) {
        return useCache ? new Cached(model.newCache(manager, batchSize, capacity)) : new Recomputed(manager);
    }

    private final class Cached implements DecodingSession {
        private final KvCache cache;

        Cached(KvCache cache) {
            this.cache = cache;
        }

        @Override
        public NDArray next(NDArray tokens, NDArray keyMask) {
            return model.nextTokenLogits(tokens, keyMask, cache); // (B, V)
        }

        @Override
        public void close() {
            cache.close();
        }
    }

    /** Keeps the token history and runs the whole prefix through the model at every step. */
    private final class Recomputed implements DecodingSession {
        private final NDManager manager;
        private NDArray history; // (B, positions so far), owned by this session

        Recomputed(NDManager parent) {
            this.manager = parent.newSubManager();
        }

        @Override
        public NDArray next(NDArray tokens, NDArray keyMask) {
            NDArray grown = history == null ? tokens.duplicate() : history.concat(tokens, 1);
            grown.attach(manager);
            if (history != null) {
                history.close();
            }
            history = grown;
            // The forward pass runs on a step-owned copy so its activations die with the step.
            NDArray input = history.duplicate();
            input.attach(tokens.getManager());
            return model.nextTokenLogits(input, keyMask, null); // (B, V)
        }

        @Override
        public void close() {
            manager.close();
        }
    }
}
