package io.sppo4j.model.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.sppo4j.model.hf.HfCausalModel;
import io.sppo4j.model.hf.RealShapes;
import io.sppo4j.model.loss.DpoLoss;
import io.sppo4j.model.loss.NashMdLoss;
import io.sppo4j.model.loss.Reduction;
import io.sppo4j.model.loss.SppoLoss;
import io.sppo4j.model.nd.Precision;
import io.sppo4j.model.optim.AdamW;
import io.sppo4j.model.optim.AdamWConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

/**
 * A step run in micro-batches is the step run at once: the same loss, the same global gradient
 * norm (the gradients summed over slices, each weighted by its share of a mean) and the same
 * per-item diagnostics, for each kind of update and both reductions.
 */
class MicroBatchedUpdateTest {

    private static final int PAD = 269;
    /** Small enough that a batch of six mixed-length rows runs in at least three slices. */
    private static final int SMALL_BUDGET = 60;

    private record Batch(List<int[]> prompts, List<int[]> responses, float[] numbers) {}

    private static Batch batch(int items, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<int[]> prompts = RealShapes.prompts(random, items, 3, 12, RealShapes.TEXT_TOKENS);
        List<int[]> responses = RealShapes.prompts(random, items, 2, 14, RealShapes.TEXT_TOKENS);
        float[] numbers = new float[items];
        for (int i = 0; i < items; i++) {
            numbers[i] = (float) random.nextDouble();
        }
        return new Batch(prompts, responses, numbers);
    }

    /** Runs {@code step} on a fresh 2-block model with the whole batch, then with {@link #SMALL_BUDGET}. */
    private static void assertSameStep(int items, BiFunction<HfCausalModel[], Integer, UpdateResult> step) {
        UpdateResult whole;
        UpdateResult sliced;
        try (NDManager base = NDManager.newBaseManager()) {
            whole = run(base, 0, step);
            sliced = run(base, SMALL_BUDGET, step);
        }
        assertTrue(whole.applied() && sliced.applied(), whole + " / " + sliced);
        assertEquals(whole.loss(), sliced.loss(), 1e-5 * Math.abs(whole.loss()) + 1e-7, "loss");
        assertEquals(whole.gradientNorm(), sliced.gradientNorm(), 1e-4 * whole.gradientNorm(), "gradient norm");
        assertEquals(whole.meanLogRatio(), sliced.meanLogRatio(), 1e-4 * Math.abs(whole.meanLogRatio()) + 1e-6, "mean log-ratio");
        assertEquals(whole.meanTarget(), sliced.meanTarget(), 1e-6, "mean target");
    }

    private static UpdateResult run(NDManager base, int budget, BiFunction<HfCausalModel[], Integer, UpdateResult> step) {
        try (HfCausalModel policy = RealShapes.causal(RealShapes.narrow(2, false), 5, base, Precision.FP32);
                HfCausalModel reference = RealShapes.causal(RealShapes.narrow(2, false), 6, base, Precision.FP32)) {
            policy.setTrainable(true);
            return step.apply(new HfCausalModel[] {policy, reference}, budget);
        }
    }

    private static AdamW optimizer() {
        return new AdamW(AdamWConfig.DEFAULTS.withLearningRate(1e-3f));
    }

    @Test
    void theSmallBudgetSlicesTheBatches() {
        for (long seed : new long[] {1, 4}) {
            Batch batch = batch(6, seed);
            assertTrue(MicroBatches.split(batch.prompts(), batch.responses(), 1, SMALL_BUDGET).size() >= 3);
        }
    }

    @Test
    void sppoMeanAndSum() {
        for (Reduction reduction : Reduction.values()) {
            Batch batch = batch(6, 1);
            float[] samplerLogProbs = new float[6];
            for (int i = 0; i < 6; i++) {
                samplerLogProbs[i] = -3f * batch.responses().get(i).length;
            }
            assertSameStep(6, (models, budget) -> {
                try (AdamW optimizer = optimizer()) {
                    return new SppoUpdate(models[0], optimizer, new SppoLoss(4f, reduction), PAD, budget)
                            .apply(new PreferenceBatch(batch.prompts(), batch.responses(), samplerLogProbs, batch.numbers(), new int[6]));
                }
            });
        }
    }

    @Test
    void pairwiseKeepsEachPairInOneSlice() {
        Batch winners = batch(4, 2);
        List<int[]> losers = batch(4, 3).responses();
        List<int[]> rows = new ArrayList<>(winners.responses());
        rows.addAll(losers);
        assertTrue(MicroBatches.split(winners.prompts(), rows, 2, SMALL_BUDGET).size() >= 2);
        assertSameStep(4, (models, budget) -> {
            try (AdamW optimizer = optimizer()) {
                return new PairwiseUpdate(models[0], models[1], optimizer, new DpoLoss(0.1f), PAD, budget)
                        .apply(new PairBatch(winners.prompts(), winners.responses(), losers));
            }
        });
    }

    @Test
    void nashMd() {
        Batch batch = batch(6, 4);
        float[] advantages = new float[6];
        for (int i = 0; i < 6; i++) {
            advantages[i] = batch.numbers()[i] - 0.5f;
        }
        assertSameStep(6, (models, budget) -> {
            try (AdamW optimizer = optimizer()) {
                return new NashMdUpdate(models[0], models[1], optimizer, new NashMdLoss(0.1f), PAD, budget)
                        .apply(new AdvantageBatch(batch.prompts(), batch.responses(), advantages));
            }
        });
    }
}
