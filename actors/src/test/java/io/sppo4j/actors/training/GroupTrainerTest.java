package io.sppo4j.actors.training;

import io.sppo4j.model.nd.Precision;
import io.sppo4j.model.hf.HfModels;
import io.sppo4j.model.hf.HfCausalModel;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.sppo4j.actors.data.JudgedGroup;
import io.sppo4j.actors.data.RolloutGroup;
import io.sppo4j.actors.data.Sample;
import io.sppo4j.actors.settings.AlgorithmConfig;
import io.sppo4j.actors.settings.WinRate;
import io.sppo4j.model.judge.PreferenceMatrices;
import io.sppo4j.model.nd.Autograd;
import io.sppo4j.model.optim.AdamW;
import io.sppo4j.model.optim.AdamWConfig;
import io.sppo4j.model.policy.PolicyConfig;
import io.sppo4j.model.scoring.SequenceScorer;
import io.sppo4j.model.tokenizer.ByteTokenizer;
import io.sppo4j.model.train.AdvantageBatch;
import io.sppo4j.model.train.Algorithm;
import io.sppo4j.model.train.UpdateResult;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How each method draws its training signal from judged groups, on a real tiny policy. */
class GroupTrainerTest {

    private static final PolicyConfig TINY = new PolicyConfig(ByteTokenizer.VOCAB_SIZE, 16, 1, 2, 32, 0f);
    private static final ByteTokenizer TOKENIZER = new ByteTokenizer();

    @Test
    void pairsAreTheBestAndWorstResponseAndTiedGroupsAreSkipped() {
        JudgedGroup ordered = group(new double[][] {
            {0.5, 1.0, 1.0}, {0.0, 0.5, 0.5}, {0.0, 0.5, 0.5}}, false, false, false);
        assertArrayEquals(new int[] {0, 1}, GroupSelection.bestAndWorst(ordered).orElseThrow());
        JudgedGroup tied = group(new double[][] {
            {0.5, 0.5, 0.5}, {0.5, 0.5, 0.5}, {0.5, 0.5, 0.5}}, false, false, false);
        assertFalse(GroupSelection.bestAndWorst(tied).isPresent());
    }

    @Test
    void everyMethodMovesThePolicyTowardTheGroupsWinner() {
        JudgedGroup policyGroup = onPolicy(new double[][] {
            {0.5, 1.0, 1.0, 0.5}, {0.0, 0.5, 0.5, 0.0}, {0.0, 0.5, 0.5, 0.0}, {0.5, 1.0, 1.0, 0.5}},
                false, false, false, false);
        JudgedGroup mixedGroup = onPolicy(new double[][] {
            {0.5, 1.0, 1.0, 0.5}, {0.0, 0.5, 0.5, 0.0}, {0.0, 0.5, 0.5, 0.0}, {0.5, 1.0, 1.0, 0.5}},
                false, false, true, true);
        for (Algorithm algorithm : Algorithm.values()) {
            // Response "a" wins the group, "b" loses it (for Nash-MD: against the mixture samples "c" and "d").
            JudgedGroup group = algorithm.sampling() == Algorithm.Sampling.POLICY_AND_MIXTURE ? mixedGroup : policyGroup;
            Step step = train(algorithm, List.of(group, group));
            assertTrue(step.result().applied(), algorithm + " applied a step");
            assertTrue(Double.isFinite(step.result().loss()) && step.result().gradientNorm() > 0, algorithm + ": " + step);
            // A flipped sign in a loss or a target would move the margin the other way.
            assertTrue(step.marginAfter() > step.marginBefore() + 1e-3,
                    algorithm + ": log π(a) − log π(b) from " + step.marginBefore() + " to " + step.marginAfter());
        }
    }

    @Test
    void sppoRegressesEachLogRatioOntoItsWinRateTarget() {
        // Win rates 1, ½, 0 with η = 2: targets +1, 0, −1. The sampler put the first response
        // 0.5 below the policy, so the log-ratios are 0.5, 0, 0 and the residuals −0.5, 0, +1.
        double[][] preferences = {{0.5, 1.0, 1.0}, {0.0, 0.5, 1.0}, {0.0, 0.0, 0.5}};
        float[] logProbs = onPolicyLogProbs(3);
        logProbs[0] -= 0.5f;
        UpdateResult result = train(Algorithm.SPPO, List.of(group(preferences, logProbs, false, false, false))).result();
        // A flipped target or a transposed matrix gives residuals 1.5, 0, −1 and a loss of 3.25 / 3.
        assertEquals((0.25 + 0 + 1) / 3, result.loss(), 1e-4, "mean squared residual");
        assertEquals(0.5 / 3, result.meanLogRatio(), 1e-4);
        assertEquals(0.0, result.meanTarget(), 1e-6);
    }

    @Test
    void sppoPairTakesTheArgmaxAndArgminWithTheOfficialTargets() {
        // p̂ official = (Σ_{j≠i} P_ij + ½)/3 = (0.6667, 0.3, 0.5333); others = (0.75, 0.2, 0.55).
        double[][] preferences = {{0.5, 0.9, 0.6}, {0.1, 0.5, 0.3}, {0.4, 0.7, 0.5}};
        JudgedGroup group = group(preferences, false, false, false);
        // Chosen 0 and rejected 1, η = 2: targets 2·(0.6667 − ½) and 2·(0.3 − ½), mean −1/30.
        assertEquals(-1.0 / 30, train(Algorithm.SPPO_PAIR, List.of(group), WinRate.OFFICIAL).result().meanTarget(), 1e-6);
        // Over the others: 2·0.25 and 2·(−0.3), mean −0.05.
        assertEquals(-0.05, train(Algorithm.SPPO_PAIR, List.of(group), WinRate.OTHERS).result().meanTarget(), 1e-6);
    }

    @Test
    void aBatchWithoutAnyPairIsSkippedWithoutAStep() {
        JudgedGroup tied = group(new double[][] {
            {0.5, 0.5, 0.5}, {0.5, 0.5, 0.5}, {0.5, 0.5, 0.5}}, false, false, false);
        UpdateResult result = train(Algorithm.DPO, List.of(tied)).result();
        assertFalse(result.applied());
        assertEquals(0.0, result.loss());
    }

    @Test
    void nashMdAdvantagesComeFromTheMixtureSamples() {
        // Policy sample 0 beats both mixture samples, policy sample 1 loses to both: advantages +½ and −½
        // (a transposed matrix would give −½ and +½).
        JudgedGroup group = group(new double[][] {
            {0.5, 0.5, 1.0, 1.0}, {0.5, 0.5, 0.0, 0.0}, {0.0, 1.0, 0.5, 0.5}, {0.0, 1.0, 0.5, 0.5}},
                false, false, true, true);
        AdvantageBatch batch = NashMdGroupTrainer.batch(List.of(group));
        assertArrayEquals(new float[] {0.5f, -0.5f}, batch.advantages());
        assertArrayEquals(TOKENIZER.encodeResponse("a"), batch.responses().get(0), "only the policy samples, in order");
        assertArrayEquals(TOKENIZER.encodeResponse("b"), batch.responses().get(1));
        UpdateResult result = train(Algorithm.NASH_MD, List.of(group)).result();
        // The loss's target column is a/β: mean of (+½, −½)/β = 0.
        assertEquals(0.0, result.meanTarget(), 1e-6);
        JudgedGroup onlyPolicy = group(new double[][] {{0.5, 1.0}, {0.0, 0.5}}, false, false);
        IllegalStateException error =
                assertThrows(IllegalStateException.class, () -> train(Algorithm.NASH_MD, List.of(onlyPolicy)));
        assertTrue(error.getMessage().contains("mixture samples"), error.getMessage());
    }

    /** One step's result, and the policy's log-probabilities of responses "a", "b", ... before and after it. */
    private record Step(UpdateResult result, double[] logProbsBefore, double[] logProbsAfter) {
        double marginBefore() {
            return logProbsBefore[0] - logProbsBefore[1];
        }

        double marginAfter() {
            return logProbsAfter[0] - logProbsAfter[1];
        }
    }

    private static Step train(Algorithm algorithm, List<JudgedGroup> groups) {
        return train(algorithm, groups, WinRate.OTHERS);
    }

    private static Step train(Algorithm algorithm, List<JudgedGroup> groups, WinRate winRate) {
        AlgorithmConfig settings = new AlgorithmConfig(algorithm, 2f, 0.1f, 0.125f, winRate);
        int responses = groups.get(0).group().size();
        try (NDManager manager = NDManager.newBaseManager();
                HfCausalModel policy = HfModels.builtIn(TINY, 1, manager, Device.cpu(), Precision.FP32);
                HfCausalModel reference = HfModels.builtIn(TINY, 2, manager, Device.cpu(), Precision.FP32);
                AdamW optimizer = new AdamW(AdamWConfig.DEFAULTS.withLearningRate(1e-2f))) {
            policy.setTrainable(true);
            reference.setTrainable(false);
            double[] before = logProbs(policy, manager, responses);
            UpdateResult result = GroupTrainer.create(settings, policy, reference, optimizer, ByteTokenizer.PAD).train(groups);
            return new Step(result, before, logProbs(policy, manager, responses));
        }
    }

    /** log π(y | "q") of the responses "a", "b", ... under {@code policy}. */
    private static double[] logProbs(HfCausalModel policy, NDManager manager, int count) {
        List<int[]> prompts = new ArrayList<>();
        List<int[]> responses = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            prompts.add(TOKENIZER.encodePrompt("q"));
            responses.add(TOKENIZER.encodeResponse(String.valueOf((char) ('a' + i))));
        }
        try (NDManager scope = manager.newSubManager(); Autograd.Scope inference = Autograd.paused()) {
            float[] values = new SequenceScorer(ByteTokenizer.PAD).score(policy, scope, prompts, responses, false)
                    .sequenceLogProbs().toFloatArray();
            double[] result = new double[count];
            for (int i = 0; i < count; i++) {
                result[i] = values[i];
            }
            return result;
        }
    }

    /** A group of responses "a", "b", ... to one prompt, with the given preferences and mixture flags. */
    private static JudgedGroup group(double[][] preferences, boolean... fromMixture) {
        float[] logProbs = new float[fromMixture.length];
        java.util.Arrays.fill(logProbs, -3f);
        return group(preferences, logProbs, fromMixture);
    }

    /** As sampled by the policy under test: each sample carries its own log-probability under it. */
    private static JudgedGroup onPolicy(double[][] preferences, boolean... fromMixture) {
        return group(preferences, onPolicyLogProbs(fromMixture.length), fromMixture);
    }

    /** log π(y | "q") of the responses "a", "b", ... under the policy {@link #train} starts from. */
    private static float[] onPolicyLogProbs(int count) {
        try (NDManager manager = NDManager.newBaseManager();
                HfCausalModel policy = HfModels.builtIn(TINY, 1, manager, Device.cpu(), Precision.FP32)) {
            double[] logProbs = logProbs(policy, manager, count);
            float[] values = new float[count];
            for (int i = 0; i < count; i++) {
                values[i] = (float) logProbs[i];
            }
            return values;
        }
    }

    private static JudgedGroup group(double[][] preferences, float[] logProbs, boolean... fromMixture) {
        List<Sample> samples = new ArrayList<>();
        for (int i = 0; i < fromMixture.length; i++) {
            String text = String.valueOf((char) ('a' + i));
            samples.add(new Sample(TOKENIZER.encodeResponse(text), text, logProbs[i], logProbs[i], fromMixture[i]));
        }
        RolloutGroup rollout = new RolloutGroup(1, "q", TOKENIZER.encodePrompt("q"), samples, 0, "test", 0, 0);
        return new JudgedGroup(rollout, preferences, PreferenceMatrices.winRates(preferences), 0, "test");
    }
}
