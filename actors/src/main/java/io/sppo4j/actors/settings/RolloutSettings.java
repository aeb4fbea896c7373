package io.sppo4j.actors.settings;

import com.typesafe.config.Config;
import io.sppo4j.model.config.ConfigReader;
import io.sppo4j.model.nd.Precision;
import io.sppo4j.model.sampling.SamplingConfig;

/**
 * Rollout workers' settings ({@code sppo4j.rollout} and {@code sppo4j.sampling}).
 *
 * @param workers rollout workers in this JVM
 * @param groupSize K, responses sampled per prompt
 * @param groupsPerBatch prompts decoded together (each K times) in one sampler call
 * @param prefetch credits a worker asks for at a time
 * @param sampling how responses are sampled
 * @param precision of the workers' policy copies (bf16 halves the bytes each decoded token reads)
 * @param packedFp16Weights whether a worker decoding in float32 on a CPU multiplies by float16-packed
 *     copies of its weights where its model allows ({@code fp16-packed-weights})
 */
public record RolloutSettings(int workers, int groupSize, int groupsPerBatch, int prefetch, SamplingConfig sampling,
        Precision precision, boolean packedFp16Weights) {

    /** In float32, with the default packing. */
    public RolloutSettings(int workers, int groupSize, int groupsPerBatch, int prefetch, SamplingConfig sampling) {
        this(workers, groupSize, groupsPerBatch, prefetch, sampling, Precision.FP32, true);
    }

    public static RolloutSettings from(Config config) {
        ConfigReader rollout = new ConfigReader(config, "sppo4j.rollout");
        int groupSize = rollout.positiveInt("group-size");
        rollout.check(groupSize >= 2, "group-size", "needs at least 2 responses to compare, got " + groupSize);
        int groupsPerBatch = rollout.positiveInt("groups-per-batch");
        int prefetch = rollout.positiveInt("prefetch");
        rollout.check(prefetch >= groupsPerBatch, "prefetch",
                "must be at least groups-per-batch (" + groupsPerBatch + "), got " + prefetch);
        return new RolloutSettings(
                rollout.nonNegativeInt("workers"), groupSize, groupsPerBatch, prefetch,
                SamplingConfig.from(config, "sppo4j.sampling"),
                Precision.parse(rollout.getString("dtype"), false, rollout.path("dtype")),
                rollout.getBoolean("fp16-packed-weights"));
    }
}
