package io.sppo4j.actors.settings;

import com.typesafe.config.Config;
import io.sppo4j.model.config.ConfigReader;
import io.sppo4j.model.nd.Precision;

/**
 * The evaluator's settings ({@code sppo4j.eval}).
 *
 * @param everyVersions evaluate every this many weight versions (and the final one)
 * @param prompts held-out prompts per evaluation
 * @param batchSize prompts decoded together
 * @param precision of the evaluator's policy and reference copies
 */
public record EvalSettings(int everyVersions, int prompts, int batchSize, Precision precision) {

    /** In float32. */
    public EvalSettings(int everyVersions, int prompts, int batchSize) {
        this(everyVersions, prompts, batchSize, Precision.FP32);
    }

    public static EvalSettings from(Config config) {
        ConfigReader eval = new ConfigReader(config, "sppo4j.eval");
        return new EvalSettings(eval.positiveInt("every"), eval.positiveInt("prompts"), eval.positiveInt("batch-size"),
                Precision.parse(eval.getString("dtype"), false, eval.path("dtype")));
    }
}
