package io.sppo4j.actors.training;

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
import io.sppo4j.actors.settings.AlgorithmSettings;
import io.sppo4j.model.judge.PreferenceMatrices;
import io.sppo4j.model.optim.AdamW;
import io.sppo4j.model.optim.AdamWConfig;
import io.sppo4j.model.policy.PolicyConfig;
import io.sppo4j.model.hf.HfModels;
import io.sppo4j.model.policy.LanguageModel;
import io.sppo4j.model.tokenizer.ByteTokenizer;
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
    void everyMethodTakesAStepOnASeparableGroup() {
        JudgedGroup policyGroup = group(new double[][] {
            {0.5, 1.0, 1.0, 0.5}, {0.0, 0.5, 0.5, 0.0}, {0.0, 0.5, 0.5, 0.0}, {0.5, 1.0, 1.0, 0.5}},
                false, false, false, false);
        JudgedGroup mixedGroup = group(new double[][] {
            {0.5, 1.0, 1.0, 0.5}, {0.0, 0.5, 0.5, 0.0}, {0.0, 0.5, 0.5, 0.0}, {0.5, 1.0, 1.0, 0.5}},
                false, false, true, true);
        for (Algorithm algorithm : Algorithm.values()) {
            JudgedGroup group = algorithm.sampling() == Algorithm.Sampling.POLICY_AND_MIXTURE ? mixedGroup : policyGroup;
            UpdateResult result = train(algorithm, List.of(group, group));
            assertTrue(result.applied(), algorithm + " applied a step");
            assertTrue(Double.isFinite(result.loss()) && result.gradientNorm() > 0, algorithm + ": " + result);
        }
    }

    @Test
    void aBatchWithoutAnyPairIsSkippedWithoutAStep() {
        JudgedGroup tied = group(new double[][] {
            {0.5, 0.5, 0.5}, {0.5, 0.5, 0.5}, {0.5, 0.5, 0.5}}, false, false, false);
        UpdateResult result = train(Algorithm.DPO, List.of(tied));
        assertFalse(result.applied());
        assertEquals(0.0, result.loss());
    }

    @Test
    void nashMdAdvantagesComeFromTheMixtureSamples() {
        // Policy sample 0 beats both mixture samples, policy sample 1 loses to both: advantages ±½.
        JudgedGroup group = group(new double[][] {
            {0.5, 0.5, 1.0, 1.0}, {0.5, 0.5, 0.0, 0.0}, {0.0, 1.0, 0.5, 0.5}, {0.0, 1.0, 0.5, 0.5}},
                false, false, true, true);
        UpdateResult result = train(Algorithm.NASH_MD, List.of(group));
        // The loss's target column is a/β: mean of (+½, −½)/β = 0.
        assertEquals(0.0, result.meanTarget(), 1e-6);
        JudgedGroup onlyPolicy = group(new double[][] {{0.5, 1.0}, {0.0, 0.5}}, false, false);
        IllegalStateException error =
                assertThrows(IllegalStateException.class, () -> train(Algorithm.NASH_MD, List.of(onlyPolicy)));
        assertTrue(error.getMessage().contains("mixture samples"), error.getMessage());
    }

    private static UpdateResult train(Algorithm algorithm, List<JudgedGroup> groups) {
        AlgorithmSettings settings = new AlgorithmSettings(algorithm, 2f, 0.1f, 0.125f);
        try (NDManager manager = NDManager.newBaseManager();
                LanguageModel policy = HfModels.builtIn(TINY, 1).create(manager, Device.cpu());
                LanguageModel reference = HfModels.builtIn(TINY, 2).create(manager, Device.cpu());
                AdamW optimizer = new AdamW(AdamWConfig.DEFAULTS)) {
            policy.setTrainable(true);
            reference.setTrainable(false);
            return GroupTrainer.create(settings, policy, reference, optimizer, ByteTokenizer.PAD).train(groups);
        }
    }

    /** A group of responses "a", "b", ... to one prompt, with the given preferences and mixture flags. */
    private static JudgedGroup group(double[][] preferences, boolean... fromMixture) {
        List<Sample> samples = new ArrayList<>();
        for (int i = 0; i < fromMixture.length; i++) {
            String text = String.valueOf((char) ('a' + i));
            samples.add(new Sample(TOKENIZER.encodeResponse(text), text, -3f, -3f, fromMixture[i]));
        }
        RolloutGroup rollout = new RolloutGroup(1, "q", TOKENIZER.encodePrompt("q"), samples, 0, "test", 0, 0);
        return new JudgedGroup(rollout, preferences, PreferenceMatrices.winRates(preferences), 0, "test");
    }
}
