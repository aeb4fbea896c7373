package io.sppo4j.actors;

import io.sppo4j.actors.data.JudgedGroup;
import io.sppo4j.actors.settings.LearnerSettings;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * The async schedule: credits flow whenever in-flight plus buffered groups are under the
 * capacity, every group fresh enough is used by one step, a step runs as soon as
 * {@code groups-per-step} groups wait, and the run ends after {@code max-steps} steps. Prompts
 * come from an endless stream; a lost credit's prompt is not dealt again.
 */
final class AsyncSchedule implements TrainingSchedule {

    private final LearnerSettings settings;
    private final PromptDispenser prompts;
    private final Deque<JudgedGroup> buffer = new ArrayDeque<>();

    AsyncSchedule(LearnerSettings settings, PromptDispenser prompts) {
        this.settings = settings;
        this.prompts = prompts;
    }

    @Override
    public void resume(LearnerProgress progress) {
        prompts.resumeAt(progress.promptsIssued());
    }

    @Override
    public boolean finished(long step) {
        return step >= settings.maxSteps();
    }

    @Override
    public void start() {}

    @Override
    public int room(int inFlight) {
        return settings.capacity() - inFlight - buffer.size();
    }

    @Override
    public String nextPrompt() {
        return prompts.next();
    }

    @Override
    public void takenBack(String prompt) {}

    @Override
    public Arrival accept(JudgedGroup group, boolean creditOutstanding, int inFlight, long version) {
        if (!creditOutstanding && room(inFlight) <= 0) {
            return Arrival.LATE; // a late group is still welcome while there is room for it
        }
        if (version - group.version() > settings.maxStaleness()) {
            return Arrival.STALE;
        }
        buffer.add(group);
        return Arrival.ACCEPTED;
    }

    @Override
    public boolean readyToTrain() {
        return buffer.size() >= settings.groupsPerStep();
    }

    @Override
    public Batch nextBatch(long version) {
        List<JudgedGroup> batch = new ArrayList<>(settings.groupsPerStep());
        int aged = 0;
        while (batch.size() < settings.groupsPerStep() && !buffer.isEmpty()) {
            JudgedGroup group = buffer.poll();
            if (version - group.version() > settings.maxStaleness()) {
                aged++; // fresh on arrival, stale after waiting in the buffer
            } else {
                batch.add(group);
            }
        }
        return new Batch(batch, aged);
    }

    @Override
    public AfterStep afterStep(long step) {
        boolean last = step >= settings.maxSteps();
        return new AfterStep(
                last || step % settings.publishEvery() == 0, last || step % settings.checkpointEvery() == 0, last);
    }

    @Override
    public int buffered() {
        return buffer.size();
    }

    @Override
    public long promptsIssued() {
        return prompts.issued();
    }

    @Override
    public int iteration() {
        return 0;
    }
}
