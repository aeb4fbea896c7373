package io.sppo4j.model.hf;

import io.sppo4j.model.weights.TensorDType;

/** Where a model's weights come from: a Hugging Face directory read from disk, or a {@code config.json} and a seed. */
sealed interface WeightsOrigin {

    /** Every weight read from {@code checkpoint}. */
    record Read(HfModelDirectory checkpoint) implements WeightsOrigin {}

    /**
     * Every weight drawn from {@code seed} (GPT-2's initialisation, see {@code decoder.Init}).
     *
     * @param dropout applied while training (a checkpoint read from disk trains without)
     * @param savedAs the dtype a save writes the weights in
     * @param asTransformers every weight from N(0, {@code initializer_range}), as transformers
     *     initialises a model made from a config, instead of GPT-2's scheme
     */
    record Seeded(byte[] configJson, long seed, float dropout, TensorDType savedAs, boolean asTransformers)
            implements WeightsOrigin {
        public Seeded {
            configJson = configJson.clone();
        }
    }
}
