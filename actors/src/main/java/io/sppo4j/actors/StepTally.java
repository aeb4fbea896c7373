package io.sppo4j.actors;

import io.sppo4j.actors.data.JudgedGroup;
import io.sppo4j.actors.metrics.LearnerMetrics;
import io.sppo4j.actors.monitor.StepRecord;
import io.sppo4j.model.memory.AvailableMemory;
import io.sppo4j.model.train.UpdateResult;

import java.util.List;
import org.slf4j.Logger;

/**
 * The learner's running counts, resumed from its checkpoint: steps (applied and skipped),
 * samples consumed, groups dropped for staleness. It reports each to the metrics, logs every
 * skipped step with its cause, and makes each step's record for the curves.
 */
final class StepTally {

    private final LearnerMetrics metrics;
    private final Logger log;
    private final Throughput throughput = new Throughput();
    private final long startedNanos = System.nanoTime();
    private long step;
    private long samples;
    private long droppedStale;
    private long skippedSteps;

    StepTally(LearnerMetrics metrics, Logger log) {
        this.metrics = metrics;
        this.log = log;
    }

    void resume(long resumedStep, LearnerProgress progress) {
        step = resumedStep;
        samples = progress.samples();
        droppedStale = progress.droppedStale();
        skippedSteps = progress.skippedSteps();
    }

    /**
     * Counts a step taken on {@code groups} at learner version {@code version}; returns its record.
     *
     * @param seconds how long the step took
     */
    StepRecord stepped(List<JudgedGroup> groups, long version, UpdateResult result, double seconds) {
        double staleness = 0;
        long batchSamples = 0;
        for (JudgedGroup group : groups) {
            batchSamples += group.group().size();
            staleness += version - group.version();
        }
        step++;
        samples += batchSamples;
        SkippedStep.of(result).ifPresent(cause -> {
            skippedSteps++;
            metrics.skipped(cause.label);
            log.warn("step {} skipped, weights unchanged: {}{} (gradient norm {}, loss {}); {} of {} steps skipped so far",
                    step, cause.explanation, result.skipDetail() == null ? "" : ": " + result.skipDetail(),
                    result.gradientNorm(), result.loss(), skippedSteps, step);
        });
        metrics.stepped(step, result.loss(), batchSamples, seconds, result.applied());
        return new StepRecord(step, version, result.loss(), staleness / groups.size(), samples, throughput.record(samples),
                result.learningRate(), result.gradientNorm(), droppedStale, skippedSteps,
                (System.nanoTime() - startedNanos) / 1e9, AvailableMemory.residentBytes() >> 20, AvailableMemory.heapInUseBytes() >> 20);
    }

    void dropped(long groups) {
        droppedStale += groups;
        metrics.dropped(groups);
    }

    long step() {
        return step;
    }

    long samples() {
        return samples;
    }

    long droppedStale() {
        return droppedStale;
    }

    long skippedSteps() {
        return skippedSteps;
    }

    /** What a checkpoint keeps besides the step and version. */
    LearnerProgress progress(TrainingSchedule schedule) {
        return new LearnerProgress(schedule.promptsIssued(), schedule.iteration(), samples, droppedStale, skippedSteps);
    }

    Monitor.LearnerTotals totals(long version) {
        return new Monitor.LearnerTotals(step, version, samples, droppedStale, skippedSteps);
    }
}
