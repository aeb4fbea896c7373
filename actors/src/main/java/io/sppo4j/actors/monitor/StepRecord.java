package io.sppo4j.actors.monitor;

/**
 * One learner step as the training curves record it.
 *
 * @param step optimiser steps taken so far (1 for the first)
 * @param version weight version after this step
 * @param loss the step's training loss
 * @param meanStaleness mean over the step's groups of (learner version − sampling version)
 * @param samples judged samples consumed so far
 * @param samplesPerSecond judged samples consumed per second over the last status interval
 * @param learningRate learning rate used by the step
 * @param gradientNorm global gradient norm before clipping
 * @param droppedStale groups dropped for staleness so far
 * @param skippedSteps steps so far whose update was skipped (this one included when it was)
 * @param elapsedSeconds wall time since training started
 * @param residentMb the learner process's resident set after the step, MiB (native memory included)
 * @param heapMb the learner JVM's heap in use after the step, MiB
 */
public record StepRecord(
        long step,
        long version,
        double loss,
        double meanStaleness,
        long samples,
        double samplesPerSecond,
        double learningRate,
        double gradientNorm,
        long droppedStale,
        long skippedSteps,
        double elapsedSeconds,
        long residentMb,
        long heapMb) {}
