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
 * @param microBatchTokens most padded tokens per forward and backward, gradients summed over the
 *     slices of a step; 0 runs the whole step at once
 * @param decay after warm-up the learning rate holds ({@code none}) or falls linearly to zero
 *     over the planned steps ({@code linear}; see {@link #plannedSteps})
 * @param warmupRatio when positive, warm-up lasts this share of the planned steps (rounded up,
 *     as transformers' {@code warmup_ratio}) instead of {@code warmupSteps}
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
        Precision precision,
        int microBatchTokens,
        Decay decay,
        double warmupRatio) {

    /** What the learning rate does after warm-up ({@code sppo4j.learner.lr-decay}). */
    public enum Decay {
        /** Holds the peak: an online run has no planned end to decay toward. */
        NONE,
        /** Falls linearly to zero at the last planned step (transformers' linear schedule). */
        LINEAR
    }

    /** Every setting of the canonical constructor but the schedule's, which hold after warm-up. */
    public LearnerSettings(
            int capacity, int groupsPerStep, int maxStaleness, int publishEvery, int checkpointEvery, int checkpointKeep,
            int maxSteps, OptimizerConfig optimizer, int warmupSteps, Duration creditTimeout, TensorEncoding weightEncoding,
            Duration statusInterval, SkippedStepBound skippedSteps, Precision precision, int microBatchTokens) {
        this(capacity, groupsPerStep, maxStaleness, publishEvery, checkpointEvery, checkpointKeep, maxSteps, optimizer,
                warmupSteps, creditTimeout, weightEncoding, statusInterval, skippedSteps, precision, microBatchTokens,
                Decay.NONE, 0);
    }

    /** Without a status log, with the default bound on skipped steps, each step in one forward and backward. */
    public LearnerSettings(
            int capacity, int groupsPerStep, int maxStaleness, int publishEvery, int checkpointEvery, int checkpointKeep,
            int maxSteps, OptimizerConfig optimizer, int warmupSteps, Duration creditTimeout, TensorEncoding weightEncoding) {
        this(capacity, groupsPerStep, maxStaleness, publishEvery, checkpointEvery, checkpointKeep, maxSteps, optimizer,
                warmupSteps, creditTimeout, weightEncoding, Duration.ZERO, SkippedStepBound.DEFAULT, Precision.FP32, 0);
    }

    /** In float32, each step in one forward and backward. */
    public LearnerSettings(
            int capacity, int groupsPerStep, int maxStaleness, int publishEvery, int checkpointEvery, int checkpointKeep,
            int maxSteps, AdamWConfig optimizer, int warmupSteps, Duration creditTimeout, TensorEncoding weightEncoding,
            Duration statusInterval, SkippedStepBound skippedSteps) {
        this(capacity, groupsPerStep, maxStaleness, publishEvery, checkpointEvery, checkpointKeep, maxSteps, optimizer,
                warmupSteps, creditTimeout, weightEncoding, statusInterval, skippedSteps, Precision.FP32, 0);
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
            return PolicyOrigin.huggingFace(config) ? TensorEncoding.BF16 : TensorEncoding.FP32;
        }
        return TensorEncoding.valueOf(dtype.toUpperCase(Locale.ROOT));
    }

    /** What {@code micro-batch-tokens = auto} means for a Hugging Face policy (see reference.conf). */
    public static final int AUTO_MICRO_BATCH_TOKENS = 256;

    /**
     * {@code sppo4j.learner.micro-batch-tokens}: a number of tokens, 0 for whole steps, or auto:
     * {@link #AUTO_MICRO_BATCH_TOKENS} for a Hugging Face policy, whole steps for the built-in one.
     */
    private static int microBatchTokens(Config config, ConfigReader learner) {
        String value = learner.getString("micro-batch-tokens").trim().toLowerCase(Locale.ROOT);
        if (value.equals("auto")) {
            return PolicyOrigin.huggingFace(config) ? AUTO_MICRO_BATCH_TOKENS : 0;
        }
        return learner.nonNegativeInt("micro-batch-tokens");
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
                Precision.parse(learner.getString("dtype"), true, learner.path("dtype")),
                microBatchTokens(config, learner),
                learner.choice("lr-decay", Decay.class),
                learner.doubleIn("warmup-ratio", 0, 0.999));
    }

    /**
     * Optimiser updates one learning-rate schedule spans: an async run's {@code max-steps}; under
     * the iterations schedule, an iteration's steps (epochs × its prompts in batches of
     * groups-per-step) when each iteration starts a fresh optimiser, else every iteration's.
     */
    public long plannedSteps(Schedule schedule) {
        if (schedule.async()) {
            return maxSteps;
        }
        long perIteration = (long) schedule.epochs() * ((schedule.prompts() + groupsPerStep - 1) / groupsPerStep);
        return schedule.freshOptimizer() ? perIteration : perIteration * schedule.iterations();
    }

    /** Warm-up updates: {@code warmupRatio} of the planned steps when set, else {@code warmupSteps}. */
    public long warmupUpdates(Schedule schedule) {
        return warmupRatio > 0 ? (long) Math.ceil(warmupRatio * plannedSteps(schedule)) : warmupSteps;
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
