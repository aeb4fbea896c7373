package io.sppo4j.model.optim;

/** Hyper-parameters of one optimiser, and how to build it ({@code sppo4j.learner.optimizer}). */
public interface OptimizerConfig {

    /** Peak learning rate; the schedule given to {@link #create} must peak at it. */
    float learningRate();

    /** Global L2 norm the gradients are clipped to; 0 disables clipping. */
    float maxGradNorm();

    /** A new optimiser with these settings following {@code schedule}; the caller closes it. */
    Optimizer create(LearningRateSchedule schedule);
}
