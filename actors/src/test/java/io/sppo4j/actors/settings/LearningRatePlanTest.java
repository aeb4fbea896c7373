package io.sppo4j.actors.settings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import io.sppo4j.model.config.EffectiveConfig;

import java.util.List;
import org.junit.jupiter.api.Test;

/** How many steps a learning-rate schedule spans, and its warm-up, by schedule and settings. */
class LearningRatePlanTest {

    private static Config config(String... overrides) {
        return EffectiveConfig.load(List.of(), List.of(overrides));
    }

    @Test
    void anAsyncRunPlansItsMaxSteps() {
        Config config = config("sppo4j.learner.max-steps=600", "sppo4j.learner.warmup-ratio=0.1");
        LearnerSettings learner = LearnerSettings.from(config);
        assertEquals(600, learner.plannedSteps(Schedule.from(config)));
        assertEquals(60, learner.warmupUpdates(Schedule.from(config)));
        assertEquals(LearnerSettings.Decay.NONE, learner.decay(), "the default holds the rate");
    }

    @Test
    void iterationsPlanOneIterationWithAFreshOptimiserAndAllOfThemWithout() {
        // 3 iterations of 2 epochs over 10 prompts in batches of 4: ceil(10 / 4) = 3 batches an epoch.
        String[] iterations = {"sppo4j.schedule=iterations", "sppo4j.iterations.count=3",
                "sppo4j.iterations.prompts=10", "sppo4j.iterations.epochs=2", "sppo4j.learner.groups-per-step=4"};
        Config shared = config(iterations);
        assertEquals(18, LearnerSettings.from(shared).plannedSteps(Schedule.from(shared)));
        Config fresh = config(append(iterations, "sppo4j.iterations.fresh-optimizer=true"));
        assertEquals(6, LearnerSettings.from(fresh).plannedSteps(Schedule.from(fresh)));
        assertEquals(20, LearnerSettings.from(fresh).warmupUpdates(Schedule.from(fresh)), "warmup-steps when no ratio");
    }

    @Test
    void anUnknownDecayFailsNamingTheKeyAndTheChoices() {
        IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class,
                () -> LearnerSettings.from(config("sppo4j.learner.lr-decay=cosine")));
        assertTrue(wrong.getMessage().contains("sppo4j.learner.lr-decay: expected none or linear, got 'cosine'"),
                wrong.getMessage());
    }

    private static String[] append(String[] values, String value) {
        String[] all = java.util.Arrays.copyOf(values, values.length + 1);
        all[values.length] = value;
        return all;
    }
}
