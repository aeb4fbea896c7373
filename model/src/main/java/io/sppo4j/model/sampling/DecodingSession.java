package io.sppo4j.model.sampling;

import ai.djl.ndarray.NDArray;

/** One batch being decoded by a {@link LogitsSource}; holds its caches until closed. */
public interface DecodingSession extends AutoCloseable {

    /**
     * Feeds the positions decoded since the last call and returns the logits of the next token.
     *
     * @param tokens (B, T) int64: the whole left-padded prompt on the first call, then one token
     * @param keyMask (B, all positions so far) int64, 1 for real tokens
     * @return (B, vocab) logits, owned by {@code tokens}' manager
     */
    NDArray next(NDArray tokens, NDArray keyMask);

    @Override
    void close();
}
