package io.sppo4j.actors;

import io.sppo4j.actors.data.JudgedGroup;
import io.sppo4j.actors.settings.LearnerSettings;
import io.sppo4j.actors.settings.Schedule;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Random;

/**
 * The paper's schedule: each iteration deals a fixed prompt set once; only groups sampled by the
 * iteration's own weights count (a stale group's prompt is dealt again); once every prompt has
 * its group, they are shuffled into batches for {@code epochs} passes and no credit goes out
 * until the last batch is trained; then the weights are published and checkpointed as the next
 * iteration's, and its prompts dealt again.
 */
final class IterationSchedule implements TrainingSchedule {

    private final Schedule schedule;
    private final LearnerSettings settings;
    private final PromptDispenser prompts;
    private final long seed;
    private final List<JudgedGroup> judged = new ArrayList<>();
    private final Deque<List<JudgedGroup>> batches = new ArrayDeque<>();
    private int iteration;

    IterationSchedule(Schedule schedule, LearnerSettings settings, PromptDispenser prompts, long seed) {
        this.schedule = schedule;
        this.settings = settings;
        this.prompts = prompts;
        this.seed = seed;
    }

    @Override
    public void resume(LearnerProgress progress) {
        iteration = progress.iteration();
    }

    @Override
    public boolean finished(long step) {
        return iteration >= schedule.iterations();
    }

    @Override
    public void start() {
        prompts.deal(iteration);
    }

    @Override
    public int room(int inFlight) {
        if (!batches.isEmpty() || judged.size() >= schedule.prompts()) {
            return 0; // training on this iteration's groups
        }
        return Math.min(settings.capacity() - inFlight, prompts.remaining());
    }

    @Override
    public String nextPrompt() {
        return prompts.next();
    }

    @Override
    public void takenBack(String prompt) {
        prompts.giveBack(prompt);
    }

    @Override
    public Arrival accept(JudgedGroup group, boolean creditOutstanding, int inFlight, long version) {
        if (!creditOutstanding) {
            return Arrival.LATE; // its prompt was dealt again when the credit was taken back
        }
        if (group.version() != version) {
            // Sampled before this iteration's weights reached the worker: deal the prompt again.
            prompts.giveBack(group.group().prompt());
            return Arrival.STALE;
        }
        judged.add(group);
        if (judged.size() == schedule.prompts()) {
            planBatches();
        }
        return Arrival.ACCEPTED;
    }

    /** Shuffles the iteration's groups into batches, {@code epochs} passes over them. */
    private void planBatches() {
        Random random = new Random(seed * 7919 + iteration);
        for (int epoch = 0; epoch < schedule.epochs(); epoch++) {
            Collections.shuffle(judged, random);
            for (int start = 0; start < judged.size(); start += settings.groupsPerStep()) {
                batches.add(List.copyOf(judged.subList(start, Math.min(judged.size(), start + settings.groupsPerStep()))));
            }
        }
        judged.clear();
    }

    @Override
    public boolean readyToTrain() {
        return !batches.isEmpty();
    }

    @Override
    public Batch nextBatch(long version) {
        return new Batch(batches.poll(), 0);
    }

    @Override
    public AfterStep afterStep(long step) {
        if (!batches.isEmpty()) {
            return AfterStep.CONTINUE;
        }
        iteration++;
        boolean last = iteration >= schedule.iterations();
        if (!last) {
            prompts.deal(iteration);
        }
        return new AfterStep(true, true, last);
    }

    @Override
    public int buffered() {
        return judged.size();
    }

    @Override
    public long promptsIssued() {
        return prompts.issued();
    }

    @Override
    public int iteration() {
        return iteration;
    }
}
