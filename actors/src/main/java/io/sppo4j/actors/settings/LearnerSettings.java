package io.sppo4j.actors.settings;

import com.typesafe.config.Config;
import io.sppo4j.model.config.ConfigReader;
import io.sppo4j.model.nd.Precision;
import io.sppo4j.model.optim.AdamWConfig;
import io.sppo4j.model.optim.OptimizerConfig;
import io.sppo4j.model.optim.RmsPropConfig;
import io.sppo4j.model.weights.TensorEncoding;

import java.time.Duration;
import java.util.Locale;

/**
 * The learner's settings ({@code sppo4j.learner}).
 *
 * @param capacity most groups in flight plus buffered: bounds memory and staleness
 * @param groupsPerStep judged groups per optimiser step
 * @param maxStaleness groups sampled more than this many versions ago are dropped
 * @param publishEvery publish a weight version every this many steps
 * @param checkpointEvery write a checkpoint every this many steps
 * @param checkpointKeep checkpoints kept on disk
 * @param maxSteps optimiser steps of an async run
 * @param optimizer AdamW or RMSProp settings (peak learning rate, decay, clipping), by
 *     {@code sppo4j.learner.optimizer}
 * @param warmupSteps linear learning-rate warm-up
 * @param creditTimeout a credit unanswered this long is taken back (its worker or judge is gone)
 * @param weightEncoding FP32 (bit-exact) or BF16 (half the bytes) for published weights
 *     ({@code sppo4j.weights.transport-dtype})
 * @param statusInterval how often the learner logs a status line; zero for never (the one-JVM
 *     command prints its own)
 * @param skippedSteps the share of steps that may be skipped before the run stops
 * @param precision float32, or bfloat16 compute on float32 master weights and optimiser state
 */
public record LearnerSettings(
        int capacity,
        int groupsPerStep,
        int maxStaleness,
        int publishEvery,
        int checkpointEvery,
        int checkpointKeep,
        int maxSteps,
        OptimizerConfig optimizer,
        int warmupSteps,
        Duration creditTimeout,
        TensorEncoding weightEncoding,
        Duration statusInterval,
        SkippedStepBound skippedSteps,
        Precision precision) {

    /** Without a status log, with the default bound on skipped steps. */
    public LearnerSettings(
            int capacity, int groupsPerStep, int maxStaleness, int publishEvery, int checkpointEvery, int checkpointKeep,
            int maxSteps, OptimizerConfig optimizer, int warmupSteps, Duration creditTimeout, TensorEncoding weightEncoding) {
        this(capacity, groupsPerStep, maxStaleness, publishEvery, checkpointEvery, checkpointKeep, maxSteps, optimizer,
                warmupSteps, creditTimeout, weightEncoding, Duration.ZERO, SkippedStepBound.DEFAULT, Precision.FP32);
    }

    /** In float32. */
    public LearnerSettings(
            int capacity, int groupsPerStep, int maxStaleness, int publishEvery, int checkpointEvery, int checkpointKeep,
            int maxSteps, AdamWConfig optimizer, int warmupSteps, Duration creditTimeout, TensorEncoding weightEncoding,
            Duration statusInterval, SkippedStepBound skippedSteps) {
        this(capacity, groupsPerStep, maxStaleness, publishEvery, checkpointEvery, checkpointKeep, maxSteps, optimizer,
                warmupSteps, creditTimeout, weightEncoding, statusInterval, skippedSteps, Precision.FP32);
    }

    public LearnerSettings {
        if (groupsPerStep > capacity) {
            throw new IllegalArgumentException(
                    "sppo4j.learner.groups-per-step (" + groupsPerStep + ") cannot exceed capacity (" + capacity + ")");
        }
    }

    /**
     * {@code sppo4j.weights.transport-dtype}: bf16 or fp32, or auto, which is bf16 for a Hugging
     * Face policy ({@code sppo4j.policy.path} set) and fp32 for the built-in one.
     */
    public static TensorEncoding transportEncoding(Config config) {
        ConfigReader weights = new ConfigReader(config, "sppo4j.weights");
        String dtype = weights.getString("transport-dtype").toLowerCase(Locale.ROOT);
        weights.check(dtype.equals("auto") || dtype.equals("fp32") || dtype.equals("bf16"),
                "transport-dtype", "expected auto, bf16 or fp32, got '" + dtype + "'");
        if (dtype.equals("auto")) {
            return config.getString("sppo4j.policy.path").isBlank() ? TensorEncoding.FP32 : TensorEncoding.BF16;
        }
        return TensorEncoding.valueOf(dtype.toUpperCase(Locale.ROOT));
    }

    public static LearnerSettings from(Config config) {
        ConfigReader learner = new ConfigReader(config, "sppo4j.learner");
        return new LearnerSettings(
                learner.positiveInt("capacity"),
                learner.positiveInt("groups-per-step"),
                learner.nonNegativeInt("max-staleness"),
                learner.positiveInt("publish-every"),
                learner.positiveInt("checkpoint-every"),
                learner.positiveInt("checkpoint-keep"),
                learner.positiveInt("max-steps"),
                optimizer(learner),
                learner.nonNegativeInt("warmup-steps"),
                config.getDuration("sppo4j.learner.credit-timeout"),
                transportEncoding(config),
                config.getDuration("sppo4j.learner.status-interval"),
                SkippedStepBound.from(config),
                Precision.parse(learner.getString("dtype"), true, learner.path("dtype")));
    }

    /** {@code optimizer = adamw | rmsprop} with the shared rate, decay and clipping, and RMSProp's own section. */
    private static OptimizerConfig optimizer(ConfigReader learner) {
        String name = learner.getString("optimizer").toLowerCase(Locale.ROOT);
        learner.check(name.equals("adamw") || name.equals("rmsprop"),
                "optimizer", "expected adamw or rmsprop, got '" + name + "'");
        float learningRate = learner.floatIn("learning-rate", 1e-9, 1);
        float weightDecay = learner.floatIn("weight-decay", 0, 1);
        float maxGradNorm = learner.floatIn("max-grad-norm", 0, 1e6);
        if (name.equals("adamw")) {
            return learner.build(() -> AdamWConfig.DEFAULTS
                    .withLearningRate(learningRate).withWeightDecay(weightDecay).withMaxGradNorm(maxGradNorm));
        }
        ConfigReader rmsprop = learner.section("rmsprop");
        float alpha = rmsprop.floatIn("alpha", 0, 0.999999);
        float epsilon = rmsprop.floatIn("epsilon", 1e-12, 1);
        return learner.build(() -> new RmsPropConfig(learningRate, alpha, epsilon, weightDecay, maxGradNorm));
    }
}
