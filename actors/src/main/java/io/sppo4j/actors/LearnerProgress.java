package io.sppo4j.actors;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The learner's position beyond its step and version, as a checkpoint keeps it (the string
 * extras of {@code meta.json}), so a resumed learner continues where the saved one stood.
 *
 * @param promptsIssued position in the prompt stream of the async schedule
 * @param iteration iterations finished under the iterations schedule
 * @param samples judged samples consumed by steps
 * @param droppedStale groups dropped for staleness
 * @param skippedSteps steps whose update was skipped (see {@link SkippedStep})
 */
record LearnerProgress(long promptsIssued, int iteration, long samples, long droppedStale, long skippedSteps) {

    static final LearnerProgress START = new LearnerProgress(0, 0, 0, 0, 0);

    static final String PROMPTS_ISSUED = "prompts_issued";
    static final String ITERATION = "iteration";
    static final String SAMPLES = "samples";
    static final String DROPPED_STALE = "dropped_stale";
    static final String SKIPPED_STEPS = "skipped_steps";

    LearnerProgress {
        if (promptsIssued < 0 || iteration < 0 || samples < 0 || droppedStale < 0 || skippedSteps < 0) {
            throw new IllegalArgumentException("learner progress cannot be negative: " + this);
        }
    }

    /** The checkpoint extras: this progress, plus the run's task and schedule for a reader's benefit. */
    Map<String, String> toExtras(String task, String schedule) {
        Map<String, String> extra = new LinkedHashMap<>();
        extra.put("role", "learner");
        extra.put("task", task);
        extra.put("schedule", schedule.toLowerCase(Locale.ROOT));
        extra.put(PROMPTS_ISSUED, Long.toString(promptsIssued));
        extra.put(ITERATION, Integer.toString(iteration));
        extra.put(SAMPLES, Long.toString(samples));
        extra.put(DROPPED_STALE, Long.toString(droppedStale));
        extra.put(SKIPPED_STEPS, Long.toString(skippedSteps));
        return extra;
    }

    /**
     * The progress a checkpoint's extras record; a key that is missing (a checkpoint from an
     * older build) reads as its start value.
     *
     * @throws IllegalArgumentException naming the key whose value is not a number
     */
    static LearnerProgress fromExtras(Map<String, String> extra) {
        return new LearnerProgress(
                number(extra, PROMPTS_ISSUED),
                iteration(number(extra, ITERATION)),
                number(extra, SAMPLES),
                number(extra, DROPPED_STALE),
                number(extra, SKIPPED_STEPS));
    }

    private static int iteration(long value) {
        if (value > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("checkpoint extra '" + ITERATION + "' is out of range: " + value);
        }
        return (int) value;
    }

    private static long number(Map<String, String> extra, String key) {
        String value = extra.getOrDefault(key, "0");
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("checkpoint extra '" + key + "' is not a whole number: '" + value + "'", e);
        }
    }
}
