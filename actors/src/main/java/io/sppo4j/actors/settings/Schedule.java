package io.sppo4j.actors.settings;

import com.typesafe.config.Config;
import io.sppo4j.model.config.ConfigReader;

import java.util.Locale;

/**
 * How the learner paces sampling and training ({@code sppo4j.schedule}).
 *
 * <p>{@code ASYNC}: every role runs continuously; credits flow whenever there is room and each
 * group is used by one step. {@code ITERATIONS}: the paper's schedule: sample and judge a fixed
 * prompt set with π_t, train {@code epochs} passes over it, publish π_{t+1}, repeat.
 *
 * @param kind async or iterations
 * @param iterations iterations of the iterations schedule
 * @param prompts size of the fixed prompt set of the iterations schedule
 * @param epochs passes over an iteration's judged groups
 * @param freshOptimizer each iteration starts a new optimiser (state and learning-rate schedule),
 *     as the official SPPO recipe, which trains every iteration as a separate run
 */
public record Schedule(Kind kind, int iterations, int prompts, int epochs, boolean freshOptimizer) {

    /** One optimiser for the whole run. */
    public Schedule(Kind kind, int iterations, int prompts, int epochs) {
        this(kind, iterations, prompts, epochs, false);
    }

    public enum Kind {
        ASYNC,
        ITERATIONS
    }

    public static Schedule from(Config config) {
        String name = config.getString("sppo4j.schedule");
        Kind kind;
        try {
            kind = Kind.valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "sppo4j.schedule: expected async or iterations, got '" + name + "' ("
                            + config.getValue("sppo4j.schedule").origin().description() + ")");
        }
        ConfigReader iterations = new ConfigReader(config, "sppo4j.iterations");
        return new Schedule(kind, iterations.positiveInt("count"), iterations.positiveInt("prompts"),
                iterations.positiveInt("epochs"), iterations.getBoolean("fresh-optimizer"));
    }

    public boolean async() {
        return kind == Kind.ASYNC;
    }
}
