/**
 * Pekko Typed behaviours of the training pipeline: rollout workers, judge workers, the learner,
 * the node's weight cache and the evaluator. Each protocol is a sealed interface of records.
 */
package io.sppo4j.actors;
