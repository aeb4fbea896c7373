package io.sppo4j.model.sft;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.sppo4j.model.nd.Autograd;
import io.sppo4j.model.optim.AdamW;
import io.sppo4j.model.optim.AdamWConfig;
import io.sppo4j.model.optim.LearningRateSchedule;
import io.sppo4j.model.optim.StepStats;
import io.sppo4j.model.policy.LanguageModel;
import io.sppo4j.model.scoring.SequenceScorer;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Cross-entropy training on demonstrations: the mean negative log-likelihood per response token.
 * This produces the reference policy π_ref that preference optimisation starts from.
 */
public final class SupervisedFineTuning {

    /** Receives one call per optimiser step. */
    public interface Listener {
        void onStep(int step, int totalSteps, double loss, double learningRate);
    }

    private final SftConfig config;
    private final SequenceScorer scorer;

    public SupervisedFineTuning(SftConfig config, int padId) {
        this.config = config;
        this.scorer = new SequenceScorer(padId);
    }

    /** Trains {@code model} in place and returns the loss curve. */
    public Result run(LanguageModel model, Demonstrations demonstrations, long seed, Listener listener) {
        SplittableRandom random = new SplittableRandom(seed);
        float minLr = config.learningRate() * config.minLearningRateRatio();
        // A run shorter than the warm-up (a quick --steps) warms up for all but its last step.
        int warmup = Math.min(config.warmupSteps(), config.steps() - 1);
        LearningRateSchedule schedule = new LearningRateSchedule.CosineWithWarmup(
                config.learningRate(), warmup, config.steps(), minLr);
        AdamWConfig adamConfig = AdamWConfig.DEFAULTS
                .withLearningRate(config.learningRate())
                .withWeightDecay(config.weightDecay())
                .withMaxGradNorm(config.maxGradNorm());
        List<Double> losses = new ArrayList<>(config.steps());
        model.setTrainable(true);
        try (AdamW optimizer = new AdamW(adamConfig, schedule)) {
            for (int step = 1; step <= config.steps(); step++) {
                List<Demonstrations.Demonstration> batch = draw(demonstrations, random, config.batchSize());
                double loss;
                try (NDManager scope = model.manager().newSubManager()) {
                    try (Autograd.Scope recording = Autograd.recording()) {
                        NDArray nll = meanTokenNll(model, scope, batch, true);
                        Autograd.backward(nll);
                        loss = nll.getFloat();
                    }
                }
                StepStats stats = optimizer.step(model);
                losses.add(loss);
                listener.onStep(step, config.steps(), loss, stats.learningRate());
            }
        }
        return new Result(losses);
    }

    /** Mean per-token negative log-likelihood of a batch, without gradients. */
    public double evaluate(LanguageModel model, List<Demonstrations.Demonstration> batch) {
        try (Autograd.Scope inference = Autograd.paused(); NDManager scope = model.manager().newSubManager()) {
            return meanTokenNll(model, scope, batch, false).getFloat();
        }
    }

    /** {@code count} demonstrations drawn from {@code random}. */
    public static List<Demonstrations.Demonstration> draw(
            Demonstrations demonstrations, SplittableRandom random, int count) {
        List<Demonstrations.Demonstration> batch = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            batch.add(demonstrations.next(random));
        }
        return batch;
    }

    private NDArray meanTokenNll(
            LanguageModel model, NDManager scope, List<Demonstrations.Demonstration> batch, boolean training) {
        List<int[]> prompts = new ArrayList<>(batch.size());
        List<int[]> responses = new ArrayList<>(batch.size());
        for (Demonstrations.Demonstration demonstration : batch) {
            prompts.add(demonstration.prompt());
            responses.add(demonstration.response());
        }
        SequenceScorer.Scores scores = scorer.score(model, scope, prompts, responses, training);
        return scores.tokenLogProbs().sum().neg().div(scores.tokenCount());
    }

    /** Loss per step, in order. */
    public record Result(List<Double> losses) {

        /** Mean loss over the last {@code window} steps (or all, if fewer). */
        public double finalLoss(int window) {
            int from = Math.max(0, losses.size() - window);
            return losses.subList(from, losses.size()).stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
        }
    }
}
