package io.sppo4j.actors.settings;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sppo4j.model.config.EffectiveConfig;
import io.sppo4j.model.optim.AdamWConfig;
import io.sppo4j.model.optim.RmsPropConfig;
import io.sppo4j.model.train.Algorithm;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The keys of the paper's recipe: the optimiser, the win-rate form, and their refusals. */
class RecipeSettingsTest {

    @Test
    void theWinRateFormsMatchTheirDefinitionsOnAWorkedGroup() {
        double[][] preferences = {{0.5, 0.9, 0.6}, {0.1, 0.5, 0.3}, {0.4, 0.7, 0.5}};
        assertArrayEquals(new double[] {0.75, 0.2, 0.55}, WinRate.OTHERS.of(preferences), 1e-12);
        // (0.9 + 0.6 + ½)/3, (0.1 + 0.3 + ½)/3, (0.4 + 0.7 + ½)/3
        assertArrayEquals(new double[] {2.0 / 3, 0.3, 1.6 / 3}, WinRate.OFFICIAL.of(preferences), 1e-12);
    }

    @Test
    void winRateIsReadForSppoAndAWrongValueFailsNamingTheKey() {
        AlgorithmConfig official = AlgorithmConfig.from(
                EffectiveConfig.load(List.of(), List.of("sppo4j.algorithm=sppo-pair", "sppo4j.sppo.win-rate=official")));
        assertEquals(Algorithm.SPPO_PAIR, official.algorithm());
        assertEquals(WinRate.OFFICIAL, official.winRate());
        assertEquals(WinRate.OTHERS, AlgorithmConfig.from(EffectiveConfig.defaults()).winRate());
        IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class, () -> AlgorithmConfig.from(
                EffectiveConfig.load(List.of(), List.of("sppo4j.sppo.win-rate=offical"))));
        assertTrue(wrong.getMessage().contains("sppo4j.sppo.win-rate") && wrong.getMessage().contains("offical"),
                wrong.getMessage());
    }

    @Test
    void theOptimiserIsChosenByKeyAndAWrongOneFailsNamingIt() {
        assertInstanceOf(AdamWConfig.class, LearnerSettings.from(EffectiveConfig.defaults()).optimizer());
        RmsPropConfig rmsprop = assertInstanceOf(RmsPropConfig.class, LearnerSettings.from(EffectiveConfig.load(List.of(),
                List.of("sppo4j.learner.optimizer=rmsprop", "sppo4j.learner.learning-rate=5e-7",
                        "sppo4j.learner.rmsprop.alpha=0.9"))).optimizer());
        assertEquals(new RmsPropConfig(5e-7f, 0.9f, 1e-8f, 0f, 1f), rmsprop);
        IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class, () -> LearnerSettings.from(
                EffectiveConfig.load(List.of(), List.of("sppo4j.learner.optimizer=sgd"))));
        assertTrue(wrong.getMessage().contains("sppo4j.learner.optimizer"), wrong.getMessage());
        IllegalArgumentException badAlpha = assertThrows(IllegalArgumentException.class, () -> LearnerSettings.from(
                EffectiveConfig.load(List.of(), List.of("sppo4j.learner.optimizer=rmsprop", "sppo4j.learner.rmsprop.alpha=1"))));
        assertTrue(badAlpha.getMessage().contains("sppo4j.learner.rmsprop.alpha"), badAlpha.getMessage());
    }
}
