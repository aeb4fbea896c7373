package io.sppo4j.model.optim;

import io.sppo4j.model.policy.LanguageModel;

/**
 * What a trainer needs of an optimiser: one update from the accumulated gradients, and its
 * state out to a checkpoint and back. {@link AdamW} and {@link RmsProp} implement it; the learner
 * picks one with {@code sppo4j.learner.optimizer}.
 */
public interface Optimizer extends AutoCloseable {

    /**
     * One update of every trainable parameter of {@code model} from the gradients accumulated by
     * {@code Autograd.backward}, which are then zeroed; skipped (and reported so) when the
     * gradient norm is not finite.
     */
    StepStats step(LanguageModel model);

    /** Updates applied so far (skipped ones not counted). */
    long stepCount();

    /** The resumable state, a view of the live tensors: write it out before the next step. */
    OptimizerState exportState();

    /**
     * Replaces the state with {@code state}, written by the same algorithm for a model with the
     * parameter names and shapes of {@code model}; a refused state leaves the optimiser as it was.
     *
     * @throws IllegalArgumentException naming the first mismatch
     */
    void restoreState(OptimizerState state, LanguageModel model);

    /**
     * Forgets every update: the state and the step count are as a new optimiser's, so the
     * learning-rate schedule starts again (the official SPPO recipe trains each iteration with a
     * fresh optimiser).
     */
    void reset();

    /** Frees the state; the optimiser cannot be used afterwards. */
    @Override
    void close();
}
