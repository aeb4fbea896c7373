package io.sppo4j.model.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.sppo4j.model.TestPolicies;
import io.sppo4j.model.nd.Autograd;
import io.sppo4j.model.hf.HfCausalModel;
import io.sppo4j.model.scoring.SequenceScorer;
import io.sppo4j.model.tokenizer.ByteTokenizer;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SamplerTest {

    private static NDManager manager;
    private static HfCausalModel policy;
    private static HfCausalModel reference;

    @BeforeAll
    static void setUp() {
        manager = NDManager.newBaseManager();
        policy = TestPolicies.tiny(manager, 11);
        reference = TestPolicies.tiny(manager, 12);
    }

    @AfterAll
    static void tearDown() {
        policy.close();
        reference.close();
        manager.close();
    }

    @Test
    void reportedLogProbabilityEqualsTheTeacherForcedScore() {
        List<int[]> prompts = TestPolicies.prompts(5, 4, 10, 2, 7);
        Sampler sampler = new Sampler(SamplingConfig.ancestral(16), new ByteTokenizer());
        Generation generation = sampler.generate(new PolicyLogits(policy), manager, prompts, 42);
        float[] scores = score(prompts, generation);
        for (int row = 0; row < prompts.size(); row++) {
            Generation.Sequence sequence = generation.sequences().get(row);
            assertEquals(scores[row], sequence.policyLogProb(), 1e-4, "policy log-prob of row " + row);
            // At temperature 1 without truncation the sampling distribution is the policy.
            assertEquals(scores[row], sequence.samplingLogProb(), 1e-4, "sampling log-prob of row " + row);
        }
    }

    @Test
    void truncatedSamplingStillReportsThePolicyLogProbability() {
        List<int[]> prompts = TestPolicies.prompts(6, 3, 8, 5);
        SamplingConfig config = new SamplingConfig(0.7f, 20, 0.9f, 12, true);
        Generation generation = new Sampler(config, new ByteTokenizer()).generate(new PolicyLogits(policy), manager, prompts, 3);
        float[] scores = score(prompts, generation);
        for (int row = 0; row < prompts.size(); row++) {
            Generation.Sequence sequence = generation.sequences().get(row);
            assertEquals(scores[row], sequence.policyLogProb(), 1e-4, "policy log-prob of row " + row);
            for (float logProb : sequence.samplingLogProbs()) {
                assertTrue(logProb <= 0f && Float.isFinite(logProb), "sampling log-prob " + logProb);
            }
            // Sharpening and truncation put more mass on what was sampled than the policy does.
            assertTrue(sequence.samplingLogProb() > sequence.policyLogProb());
        }
    }

    @Test
    void topKOneIsGreedy() {
        List<int[]> prompts = TestPolicies.prompts(7, 5, 3);
        Generation topOne = new Sampler(new SamplingConfig(1f, 1, 1f, 10, true), new ByteTokenizer())
                .generate(new PolicyLogits(policy), manager, prompts, 1);
        Generation greedy = new Sampler(new SamplingConfig(0f, 0, 1f, 10, true), new ByteTokenizer())
                .generate(new PolicyLogits(policy), manager, prompts, 2);
        for (int row = 0; row < prompts.size(); row++) {
            assertArrayEquals(greedy.sequences().get(row).tokens(), topOne.sequences().get(row).tokens());
            for (float logProb : topOne.sequences().get(row).samplingLogProbs()) {
                assertEquals(0f, logProb, 1e-6);
            }
        }
    }

    @Test
    void sameSeedSameTokensAndCacheDoesNotChangeThem() {
        List<int[]> prompts = TestPolicies.prompts(8, 6, 2, 9);
        Sampler sampler = new Sampler(new SamplingConfig(1f, 0, 0.95f, 14, true), new ByteTokenizer());
        PolicyLogits source = new PolicyLogits(policy);
        Generation first = sampler.generate(source, manager, prompts, 99);
        Generation again = sampler.generate(source, manager, prompts, 99);
        Generation recomputed = sampler.generate(source, manager, prompts, 99, false);
        Generation otherSeed = sampler.generate(source, manager, prompts, 100);
        boolean anyDifferent = false;
        for (int row = 0; row < prompts.size(); row++) {
            int[] tokens = first.sequences().get(row).tokens();
            assertArrayEquals(tokens, again.sequences().get(row).tokens());
            assertArrayEquals(tokens, recomputed.sequences().get(row).tokens());
            anyDifferent |= !java.util.Arrays.equals(tokens, otherSeed.sequences().get(row).tokens());
        }
        assertTrue(anyDifferent, "a different seed should change some sequence");
    }

    @Test
    void stopsAtEosOrGeneratesExactlyMaxNewTokens() {
        List<int[]> prompts = TestPolicies.prompts(9, 4, 4, 4, 4);
        // Temperature 3 flattens the random policy so EOS (1 of 259 ids) shows up in 60 steps.
        Generation stopping = new Sampler(new SamplingConfig(3f, 0, 1f, 60, true), new ByteTokenizer())
                .generate(new PolicyLogits(policy), manager, prompts, 5);
        for (Generation.Sequence sequence : stopping.sequences()) {
            int[] tokens = sequence.tokens();
            for (int i = 0; i < tokens.length - 1; i++) {
                assertTrue(tokens[i] != ByteTokenizer.EOS, "EOS before the end");
            }
            assertEquals(sequence.endedWithEos(), tokens.length > 0 && tokens[tokens.length - 1] == ByteTokenizer.EOS);
            assertTrue(tokens.length <= 60);
        }
        Generation exact = new Sampler(new SamplingConfig(3f, 0, 1f, 60, false), new ByteTokenizer())
                .generate(new PolicyLogits(policy), manager, prompts, 5);
        for (Generation.Sequence sequence : exact.sequences()) {
            assertEquals(60, sequence.tokens().length);
            assertFalse(sequence.endedWithEos());
        }
    }

    @Test
    void mixtureWithAlphaZeroIsThePolicyAndScoresUnderTheMixture() {
        List<int[]> prompts = TestPolicies.prompts(10, 5, 3);
        Sampler sampler = new Sampler(SamplingConfig.ancestral(10), new ByteTokenizer());
        Generation plain = sampler.generate(new PolicyLogits(policy), manager, prompts, 17);
        GeometricMixture pure = new GeometricMixture(new PolicyLogits(policy), new PolicyLogits(reference), 0f);
        Generation mixed = sampler.generate(pure, manager, prompts, 17);
        for (int row = 0; row < prompts.size(); row++) {
            assertArrayEquals(plain.sequences().get(row).tokens(), mixed.sequences().get(row).tokens());
        }
        GeometricMixture halfway = new GeometricMixture(new PolicyLogits(policy), new PolicyLogits(reference), 0.5f);
        Generation between = sampler.generate(halfway, manager, prompts, 17);
        for (Generation.Sequence sequence : between.sequences()) {
            assertEquals(sequence.samplingLogProb(), sequence.policyLogProb(), 1e-5);
        }
    }

    @Test
    void refusesPromptsThatDoNotFitTheContext() {
        List<int[]> prompts = TestPolicies.prompts(11, 60);
        Sampler sampler = new Sampler(SamplingConfig.ancestral(10), new ByteTokenizer());
        IllegalArgumentException error = assertThrows(
                IllegalArgumentException.class, () -> sampler.generate(new PolicyLogits(policy), manager, prompts, 1));
        assertTrue(error.getMessage().contains("context length 64"), error.getMessage());
    }

    private static float[] score(List<int[]> prompts, Generation generation) {
        List<int[]> responses = new ArrayList<>();
        for (Generation.Sequence sequence : generation.sequences()) {
            responses.add(sequence.tokens());
        }
        try (Autograd.Scope inference = Autograd.paused(); NDManager run = manager.newSubManager()) {
            return new SequenceScorer(ByteTokenizer.PAD).score(policy, run, prompts, responses, false)
                    .sequenceLogProbs().toFloatArray();
        }
    }
}
