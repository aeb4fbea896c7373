package io.sppo4j.model.judge;

/**
 * A judge could not give its verdict on a group (its server stayed down, kept timing out or kept
 * answering nonsense after every retry). Nothing about the responses is known: the caller must
 * judge the group again later or give its work back, never fill in preferences of its own.
 */
public class JudgeUnavailableException extends RuntimeException {

    public JudgeUnavailableException(String message) {
        super(message);
    }

    public JudgeUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
