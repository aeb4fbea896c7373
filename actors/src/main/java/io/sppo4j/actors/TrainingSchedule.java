package io.sppo4j.actors;

import io.sppo4j.actors.data.JudgedGroup;
import io.sppo4j.actors.settings.LearnerSettings;
import io.sppo4j.actors.settings.Schedule;
import io.sppo4j.model.task.Task;

import java.util.List;

/**
 * How the learner paces sampling and training ({@code sppo4j.schedule}): how many credits may be
 * out, what becomes of a judged group, when a batch is ready and what follows a step. The
 * learner keeps the credits, the model and the counters; a schedule keeps the prompts and the
 * judged groups waiting for a step. Neither schedule touches an actor or a tensor.
 */
sealed interface TrainingSchedule permits AsyncSchedule, IterationSchedule {

    static TrainingSchedule of(Schedule schedule, LearnerSettings settings, Task task, long seed) {
        return schedule.async()
                ? new AsyncSchedule(settings, new PromptDispenser(task, seed, 0))
                : new IterationSchedule(schedule, settings, new PromptDispenser(task, seed, schedule.prompts()), seed);
    }

    /** What becomes of a judged group that reached the learner. */
    enum Arrival {
        /** Kept for a step. */
        ACCEPTED,
        /** Sampled by weights too old for this schedule: dropped and counted. */
        STALE,
        /** Its credit was taken back already (a late group, or one of an earlier learner) and it is not wanted. */
        LATE
    }

    /** A batch to train on, and how many groups aged past the staleness bound while they waited. */
    record Batch(List<JudgedGroup> groups, int droppedStale) {
        public Batch {
            groups = List.copyOf(groups);
        }
    }

    /**
     * What the learner does after a step.
     *
     * @param publish publish the weights as a new version
     * @param checkpoint write a checkpoint
     * @param last this was the run's last step: the version published is the final one, then the learner finishes
     */
    record AfterStep(boolean publish, boolean checkpoint, boolean last) {
        static final AfterStep CONTINUE = new AfterStep(false, false, false);
    }

    /** Continues from where a checkpoint's learner stood. */
    void resume(LearnerProgress progress);

    /** Whether a learner at {@code step} (fresh or resumed) has nothing left to train. */
    boolean finished(long step);

    /** The learner starts serving, after any resume. */
    void start();

    /** Credits that may be granted now, with {@code inFlight} outstanding. */
    int room(int inFlight);

    /** The prompt of the next credit; only called while {@link #room} is positive. */
    String nextPrompt();

    /** A credit came back without its group (its worker stopped, it timed out, its judge failed). */
    void takenBack(String prompt);

    /**
     * A judged group reached the learner.
     *
     * @param creditOutstanding whether its credit was still out (it is settled now)
     * @param inFlight credits outstanding, this one's no longer counted
     * @param version the learner's current version
     */
    Arrival accept(JudgedGroup group, boolean creditOutstanding, int inFlight, long version);

    /** Whether a batch is ready for a step. */
    boolean readyToTrain();

    /** The next batch; only called when {@link #readyToTrain}. Its groups may all have aged out. */
    Batch nextBatch(long version);

    /** What follows step {@code step}, just taken on the batch {@link #nextBatch} gave. */
    AfterStep afterStep(long step);

    /** Judged groups waiting for a step. */
    int buffered();

    /** Position in the prompt stream, for checkpoints. */
    long promptsIssued();

    /** Iterations finished (always 0 for the async schedule), for checkpoints. */
    int iteration();
}
