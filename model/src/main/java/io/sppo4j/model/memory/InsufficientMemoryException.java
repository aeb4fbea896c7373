package io.sppo4j.model.memory;

/** A process's roles cannot fit the memory of their devices; the message carries the ledger. */
public final class InsufficientMemoryException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    public InsufficientMemoryException(String message) {
        super(message);
    }
}
