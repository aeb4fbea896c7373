package io.sppo4j.model.hf;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.sppo4j.model.loss.SppoLoss;
import io.sppo4j.model.nd.Precision;
import io.sppo4j.model.optim.AdamW;
import io.sppo4j.model.optim.AdamWConfig;
import io.sppo4j.model.sampling.Generation;
import io.sppo4j.model.sampling.PolicyLogits;
import io.sppo4j.model.sampling.Sampler;
import io.sppo4j.model.sampling.SamplingConfig;
import io.sppo4j.model.train.PreferenceBatch;
import io.sppo4j.model.train.SppoUpdate;
import io.sppo4j.model.train.UpdateResult;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Every SPPO step of a deep model is applied: a 30-block model of SmolLM2's shape class trains
 * on its own samples (left-padded prompts of mixed lengths, K responses each) with every global
 * gradient norm finite.
 */
class DepthGradientTest {

    private static final int STEPS = 12;
    private static final int K = 4;

    @Test
    void thirtyBlocksTrainWithEveryGradientFinite() {
        SplittableRandom random = new SplittableRandom(3);
        try (NDManager base = NDManager.newBaseManager();
                HfCausalModel policy = RealShapes.causal(RealShapes.narrow(30, false), 7, base, Precision.FP32);
                AdamW optimizer = new AdamW(AdamWConfig.DEFAULTS.withLearningRate(1e-4f))) {
            int eos = 269;
            int pad = 269;
            Sampler sampler = new Sampler(SamplingConfig.ancestral(24), eos, pad);
            SppoUpdate update = new SppoUpdate(policy, optimizer, new SppoLoss(4f), pad, 0);
            List<String> failures = new ArrayList<>();
            for (int step = 0; step < STEPS; step++) {
                List<int[]> groupPrompts = RealShapes.prompts(random, 2, 3, 40, policy.vocabSize());
                List<int[]> prompts = new ArrayList<>();
                for (int[] prompt : groupPrompts) {
                    for (int k = 0; k < K; k++) {
                        prompts.add(prompt);
                    }
                }
                policy.setTrainable(false);
                Generation generation = sampler.generate(new PolicyLogits(policy), base, prompts, step);
                policy.setTrainable(true);
                List<int[]> responses = new ArrayList<>();
                float[] samplerLogProbs = new float[prompts.size()];
                float[] winRates = new float[prompts.size()];
                int[] groups = new int[prompts.size()];
                for (int i = 0; i < prompts.size(); i++) {
                    Generation.Sequence sequence = generation.sequences().get(i);
                    responses.add(sequence.tokens());
                    samplerLogProbs[i] = (float) sequence.policyLogProb();
                    winRates[i] = (float) random.nextDouble();
                    groups[i] = i / K;
                }
                UpdateResult result = update.apply(new PreferenceBatch(prompts, responses, samplerLogProbs, winRates, groups));
                if (!result.applied() || !Double.isFinite(result.gradientNorm())) {
                    failures.add("step " + step + ": " + result);
                }
            }
            assertTrue(failures.isEmpty(), failures.size() + " of " + STEPS + " steps lost: " + failures);
        }
    }
}
