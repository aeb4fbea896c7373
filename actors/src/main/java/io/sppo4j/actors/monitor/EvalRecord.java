package io.sppo4j.actors.monitor;

/**
 * One evaluation of the policy against the frozen reference on held-out prompts.
 *
 * @param step learner step of the evaluated weights
 * @param version weight version evaluated
 * @param winRate mean judge preference P(policy response ≻ reference response) over the prompts
 * @param meanLength mean policy response length in tokens (EOS excluded)
 * @param referenceMeanLength mean reference response length in tokens on the same prompts
 * @param elapsedSeconds wall time since training started
 */
public record EvalRecord(
        long step, long version, double winRate, double meanLength, double referenceMeanLength, double elapsedSeconds) {}
