package io.sppo4j.model.judge.http;

/**
 * What the LLM judge reports as it works, for metrics: the actor layer turns these calls into
 * Prometheus counters. Called from HTTP client threads; implementations must be thread-safe and
 * quick.
 */
public interface HttpJudgeObserver {

    /** Reports nothing. */
    HttpJudgeObserver NONE = new HttpJudgeObserver() {};

    /** One HTTP attempt ended, whatever its outcome, {@code seconds} after it was sent. */
    default void requestEnded(String judge, double seconds) {}

    /** An attempt failed for {@code cause} and another follows after a back-off. */
    default void retrying(String judge, FailureKind cause) {}

    /** A comparison failed for good: its attempts ran out, or the failure was not worth retrying. */
    default void gaveUp(String judge, FailureKind cause) {}

    /** A comparison was answered from the cache, without a request. */
    default void cacheHit(String judge) {}
}
