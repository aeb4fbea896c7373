package io.sppo4j.actors.settings;

import com.typesafe.config.Config;
import io.sppo4j.model.config.ConfigReader;

import java.util.Locale;

/**
 * How many skipped steps a run tolerates ({@code sppo4j.learner.max-skipped-fraction} and
 * {@code skipped-fraction-min-steps}): a run whose updates are mostly skipped is training on
 * nothing, and stops with an error instead.
 *
 * @param maxFraction the largest share of steps that may be skipped, in [0, 1]
 * @param minSteps the bound applies from this many steps on, so one early bad batch does not
 *     stop a run
 */
public record SkippedStepBound(double maxFraction, int minSteps) {

    /** The reference.conf defaults, for setups built in code. */
    public static final SkippedStepBound DEFAULT = new SkippedStepBound(0.1, 20);

    public SkippedStepBound {
        if (!(maxFraction >= 0 && maxFraction <= 1)) {
            throw new IllegalArgumentException("max-skipped-fraction must lie in [0, 1], got " + maxFraction);
        }
        if (minSteps < 1) {
            throw new IllegalArgumentException("skipped-fraction-min-steps must be at least 1, got " + minSteps);
        }
    }

    static SkippedStepBound from(Config config) {
        ConfigReader learner = new ConfigReader(config, "sppo4j.learner");
        double fraction = learner.getDouble("max-skipped-fraction");
        learner.check(fraction >= 0 && fraction <= 1, "max-skipped-fraction", "must lie in [0, 1], got " + fraction);
        return new SkippedStepBound(fraction, learner.positiveInt("skipped-fraction-min-steps"));
    }

    /** Whether {@code skipped} of {@code steps} is past the bound. */
    public boolean exceededBy(long skipped, long steps) {
        return steps >= minSteps && skipped > maxFraction * steps;
    }

    /** The error a run stopped by this bound reports. */
    public String describe(long skipped, long steps) {
        return String.format(Locale.ROOT,
                "%d of %d steps (%.3f) were skipped without an update, past sppo4j.learner.max-skipped-fraction = %s;"
                        + " see the log for each step's cause", skipped, steps, (double) skipped / steps,
                Double.toString(maxFraction));
    }
}
