package io.sppo4j.model.sft;

import com.typesafe.config.Config;
import io.sppo4j.model.config.ConfigReader;

/**
 * Supervised fine-tuning settings ({@code sppo4j.sft}).
 *
 * @param steps optimiser steps
 * @param batchSize demonstrations per step
 * @param learningRate peak AdamW learning rate
 * @param warmupSteps linear warm-up before the cosine decay
 * @param minLearningRateRatio final learning rate as a fraction of the peak
 * @param weightDecay decoupled weight decay
 * @param maxGradNorm global gradient-norm clip; 0 disables
 * @param evalPrompts held-out prompts sampled after training for the report
 */
public record SftConfig(
        int steps,
        int batchSize,
        float learningRate,
        int warmupSteps,
        float minLearningRateRatio,
        float weightDecay,
        float maxGradNorm,
        int evalPrompts) {

    public static SftConfig from(Config config) {
        ConfigReader sft = new ConfigReader(config, "sppo4j.sft");
        return new SftConfig(
                sft.positiveInt("steps"),
                sft.positiveInt("batch-size"),
                sft.floatIn("learning-rate", 1e-8, 1),
                sft.nonNegativeInt("warmup-steps"),
                sft.floatIn("min-learning-rate-ratio", 0, 1),
                sft.floatIn("weight-decay", 0, 1),
                sft.floatIn("max-grad-norm", 0, 1e6),
                sft.nonNegativeInt("eval-prompts"));
    }

    public SftConfig withSteps(int newSteps) {
        return new SftConfig(newSteps, batchSize, learningRate, warmupSteps, minLearningRateRatio, weightDecay,
                maxGradNorm, evalPrompts);
    }
}
