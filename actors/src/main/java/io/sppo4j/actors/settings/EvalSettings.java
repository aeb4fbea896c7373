package io.sppo4j.actors.settings;

import com.typesafe.config.Config;
import io.sppo4j.model.config.ConfigReader;

/**
 * The evaluator's settings ({@code sppo4j.eval}).
 *
 * @param everyVersions evaluate every this many weight versions (and the final one)
 * @param prompts held-out prompts per evaluation
 * @param batchSize prompts decoded together
 */
public record EvalSettings(int everyVersions, int prompts, int batchSize) {

    public static EvalSettings from(Config config) {
        ConfigReader eval = new ConfigReader(config, "sppo4j.eval");
        return new EvalSettings(eval.positiveInt("every"), eval.positiveInt("prompts"), eval.positiveInt("batch-size"));
    }
}
