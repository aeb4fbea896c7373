package io.sppo4j.model.judge.http;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Delays between attempts: exponential, {@code initial · 2^(attempt−1)} capped at {@code max},
 * scaled by a random factor in [½, 1] so that the requests of many comparisons that failed
 * together do not all come back at the same instant. A server's {@code Retry-After} is honoured
 * up to {@code max}.
 */
record Backoff(Duration initial, Duration max) {

    /** Delay before attempt {@code failedAttempt + 1}; {@code retryAfter} is zero when the server named none. */
    Duration before(int failedAttempt, Duration retryAfter) {
        long cap = max.toMillis();
        long exponential = initial.toMillis() << Math.min(failedAttempt - 1, 30);
        long base = exponential < 0 ? cap : Math.min(cap, exponential);
        long jittered = (long) (base * (0.5 + 0.5 * ThreadLocalRandom.current().nextDouble()));
        return Duration.ofMillis(Math.min(cap, Math.max(jittered, retryAfter.toMillis())));
    }
}
