package io.sppo4j.model.sampling;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;

/**
 * Something a sampler can draw the next token from: one policy, or a geometric mixture of two.
 * Sampling, temperature and filtering stay in the sampler; a source only produces logits.
 */
public interface LogitsSource {

    int vocabSize();

    int contextLength();

    Device device();

    /**
     * Starts decoding {@code batchSize} sequences of at most {@code capacity} positions.
     *
     * @param useCache keep keys and values between steps (true), or recompute the whole prefix
     *     at every step (false; the reference the cache is checked and benchmarked against)
     */
    DecodingSession open(NDManager manager, int batchSize, int capacity, boolean useCache);
}
