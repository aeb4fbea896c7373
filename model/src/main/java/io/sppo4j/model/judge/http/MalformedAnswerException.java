package io.sppo4j.model.judge.http;

/**
 * A response of the judge's server that gives no verdict: a body that is not a chat completion,
 * or ({@link #unparsableText}) a completion whose answer names neither A nor B.
 */
final class MalformedAnswerException extends Exception {

    private final boolean unparsableText;

    MalformedAnswerException(String message, boolean unparsableText) {
        super(message, null, false, false);
        this.unparsableText = unparsableText;
    }

    /** The body was a well-formed completion, only its answer could not be read as A or B. */
    boolean unparsableText() {
        return unparsableText;
    }
}
