package io.sppo4j.model.checkpoint;

import java.io.IOException;

/**
 * A checkpoint save refused because another writer holds the checkpoint directory now: the
 * writer was superseded (a new learner took over while this one was partitioned or frozen) and
 * must not write again. Nothing visible was changed.
 */
public final class CheckpointFencedException extends IOException {

    private static final long serialVersionUID = 1L;

    public CheckpointFencedException(String message) {
        super(message);
    }
}
