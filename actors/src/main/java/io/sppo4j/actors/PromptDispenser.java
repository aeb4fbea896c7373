package io.sppo4j.actors;

import io.sppo4j.model.task.Task;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;

/**
 * The learner's prompt stream. Prompt n of a run is a pure function of (seed, n), so a resumed
 * learner continues the stream from the count in its checkpoint. The iterations schedule
 * instead deals a fixed prompt set once per iteration, in a shuffled order, and takes back the
 * prompts of lost or stale groups to deal them again.
 */
final class PromptDispenser {

    private final Task task;
    private final long seed;
    private final Deque<String> returned = new ArrayDeque<>();
    private final List<String> promptSet;
    private long issued;

    /** @param promptSetSize size of the fixed set of the iterations schedule; 0 for a stream */
    PromptDispenser(Task task, long seed, int promptSetSize) {
        this.task = task;
        this.seed = seed;
        this.promptSet = new ArrayList<>(promptSetSize);
        SplittableRandom random = new SplittableRandom(seed ^ 0x5E7L);
        for (int i = 0; i < promptSetSize; i++) {
            promptSet.add(task.trainingPrompt(random));
        }
    }

    /** The next prompt: one taken back first, else the next of the stream or of the deal. */
    String next() {
        if (!returned.isEmpty()) {
            return returned.poll();
        }
        if (!promptSet.isEmpty()) {
            throw new IllegalStateException("the iteration's prompts are all dealt");
        }
        return task.trainingPrompt(new SplittableRandom(seed * 0x9E3779B97F4A7C15L + issued++));
    }

    /** Deals the fixed prompt set again, shuffled by the iteration number. */
    void deal(int iteration) {
        returned.clear();
        List<String> order = new ArrayList<>(promptSet);
        Collections.shuffle(order, new Random(seed * 31 + iteration));
        returned.addAll(order);
    }

    /** Puts a prompt back to be dealt again (its group was lost or stale). */
    void giveBack(String prompt) {
        returned.addFirst(prompt);
    }

    /** Prompts left to deal this iteration; unbounded for a stream. */
    int remaining() {
        return promptSet.isEmpty() ? Integer.MAX_VALUE : returned.size();
    }

    /** Stream position, saved in checkpoints. */
    long issued() {
        return issued;
    }

    void resumeAt(long position) {
        issued = position;
    }
}
