package io.sppo4j.model.task.sort;

import com.typesafe.config.Config;
import io.sppo4j.model.config.ConfigReader;

/**
 * Shape of the built-in {@code sort} task.
 *
 * @param minDigits shortest digit string in a prompt
 * @param maxDigits longest digit string in a prompt
 * @param noise per-position probability of one error (substitution, deletion, insertion or
 *     swap) in an SFT demonstration: the reference policy learns to be this imperfect
 * @param heldOutShare share of all digit strings reserved for evaluation, never trained on
 */
public record SortTaskConfig(int minDigits, int maxDigits, double noise, double heldOutShare) {

    public SortTaskConfig {
        if (minDigits < 1 || maxDigits < minDigits) {
            throw new IllegalArgumentException(
                    "digits must satisfy 1 <= min-digits <= max-digits, got " + minDigits + ".." + maxDigits);
        }
        if (!(noise >= 0 && noise < 1)) {
            throw new IllegalArgumentException("noise must be in [0, 1), got " + noise);
        }
        if (!(heldOutShare > 0 && heldOutShare < 1)) {
            throw new IllegalArgumentException("held-out-share must be in (0, 1), got " + heldOutShare);
        }
    }

    /** Reads {@code sppo4j.tasks.sort}. */
    public static SortTaskConfig from(Config config) {
        ConfigReader sort = new ConfigReader(config, "sppo4j.tasks.sort");
        return sort.build(() -> new SortTaskConfig(
                sort.positiveInt("min-digits"),
                sort.positiveInt("max-digits"),
                sort.getDouble("noise"),
                sort.getDouble("held-out-share")));
    }
}
