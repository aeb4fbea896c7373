package io.sppo4j.model.judge.http;

/** Why one attempt to ask the judge failed; the label names it in metrics. */
public enum FailureKind {
    /** No whole answer within {@code request-timeout}. */
    TIMEOUT("timeout", true),
    /** The connection could not be opened or broke. */
    CONNECTION("connection", true),
    /** HTTP 429: the server asks us to slow down. */
    RATE_LIMITED("rate-limited", true),
    /** HTTP 5xx. */
    SERVER_ERROR("server-error", true),
    /** HTTP 200 with a body that is not a chat completion, or an answer that names neither A nor B. */
    MALFORMED("malformed", true),
    /** Any other status (400, 401, 404 …): asking again would get the same answer. */
    REFUSED("refused", false);

    private final String label;
    private final boolean retryable;

    FailureKind(String label, boolean retryable) {
        this.label = label;
        this.retryable = retryable;
    }

    public String label() {
        return label;
    }

    public boolean retryable() {
        return retryable;
    }
}
