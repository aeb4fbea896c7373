package io.sppo4j.actors.settings;

import com.typesafe.config.Config;
import io.sppo4j.model.config.ConfigReader;
import io.sppo4j.model.nd.Precision;

import java.util.Locale;

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
                precision(config, eval));
    }

    /**
     * {@code sppo4j.eval.dtype}: fp32, bf16, or auto: bf16 for a Hugging Face policy ({@code
     * sppo4j.policy.path} set), whose evaluation decodes wide batches where bf16 reads half the
     * bytes, and fp32 for the built-in policy, whose evaluations stay bit-exact.
     */
    private static Precision precision(Config config, ConfigReader eval) {
        String dtype = eval.getString("dtype").trim().toLowerCase(Locale.ROOT);
        if (dtype.equals("auto")) {
            return PolicyOrigin.huggingFace(config) ? Precision.BF16 : Precision.FP32;
        }
        eval.check(dtype.equals("fp32") || dtype.equals("bf16"), "dtype", "expected auto, fp32 or bf16, got '" + dtype + "'");
        return Precision.parse(dtype, false, eval.path("dtype"));
    }
}
