package io.sppo4j.model.weights;

/**
 * A {@link WeightSnapshot} whose tensors do not match its checksum: altered after it was made,
 * or damaged between the learner and the receiver. Loading such weights is always refused.
 */
public class CorruptSnapshotException extends RuntimeException {

    public CorruptSnapshotException(String message) {
        super(message);
    }
}
