package io.sppo4j.model.text;

import com.typesafe.config.Config;
import io.sppo4j.model.config.ConfigReader;

import java.nio.file.Path;

/**
 * Where training prompts come from ({@code sppo4j.prompts}).
 *
 * @param path the prompt file; empty when no dataset is configured
 * @param format how it is laid out
 * @param shuffleSeed seed of the held-out split and of every epoch's order (epoch e uses seed + e)
 * @param epochs passes over the training prompts of {@link PromptDataset#epochs()}
 * @param heldOut prompts reserved for evaluation: a fraction of the distinct prompts when below 1,
 *     else a count; 0 for none
 * @param skipBadLines count and log bad lines instead of failing on the first
 */
public record PromptsSettings(
        String path, PromptFormat format, long shuffleSeed, int epochs, double heldOut, boolean skipBadLines) {

    public static final String SECTION = "sppo4j.prompts";

    public PromptsSettings {
        if (epochs < 1) {
            throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
        }
        if (!(heldOut >= 0) || (heldOut >= 1 && heldOut != Math.rint(heldOut))) {
            throw new IllegalArgumentException(
                    "held-out must be a fraction in [0, 1) or a whole count of prompts, got " + heldOut);
        }
    }

    /** A file with the defaults of everything else: auto format, seed 1, one epoch, nothing held out. */
    public static PromptsSettings of(Path file) {
        return new PromptsSettings(file.toString(), PromptFormat.AUTO, 1, 1, 0, false);
    }

    /** Reads {@code sppo4j.prompts}. */
    public static PromptsSettings from(Config config) {
        ConfigReader prompts = new ConfigReader(config, SECTION);
        String format = prompts.getString("format");
        PromptFormat parsed;
        try {
            parsed = PromptFormat.parse(format);
        } catch (IllegalArgumentException e) {
            prompts.check(false, "format", e.getMessage());
            throw e;
        }
        String path = prompts.getString("path");
        long shuffleSeed = prompts.getLong("shuffle-seed");
        int epochs = prompts.positiveInt("epochs");
        double heldOut = prompts.getDouble("held-out");
        boolean skipBadLines = prompts.getBoolean("skip-bad-lines");
        return prompts.build(() -> new PromptsSettings(path, parsed, shuffleSeed, epochs, heldOut, skipBadLines));
    }

    public boolean configured() {
        return !path.isBlank();
    }

    public Path file() {
        if (!configured()) {
            throw new IllegalStateException(SECTION + ".path is not set");
        }
        return Path.of(path);
    }

    /** How many of {@code distinct} prompts are held out. */
    int heldOutCount(int distinct) {
        return heldOut < 1 ? (int) Math.round(heldOut * distinct) : (int) heldOut;
    }
}
