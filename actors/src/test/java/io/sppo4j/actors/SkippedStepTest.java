package io.sppo4j.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigException;
import io.sppo4j.actors.settings.LearnerSettings;
import io.sppo4j.actors.settings.SkippedStepBound;
import io.sppo4j.model.config.EffectiveConfig;
import io.sppo4j.model.train.UpdateResult;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SkippedStepTest {

    @Test
    void theCauseOfASkippedStepComesFromItsResult() {
        assertEquals(Optional.empty(), SkippedStep.of(new UpdateResult(0.5, 1.2, 1e-4, 0, 0, true)));
        assertEquals(Optional.of(SkippedStep.NON_FINITE_GRADIENT), SkippedStep.of(new UpdateResult(Double.NaN, Double.NaN, 1e-4, 0, 0, false)));
        assertEquals(Optional.of(SkippedStep.NON_FINITE_GRADIENT),
                SkippedStep.of(new UpdateResult(3, Double.POSITIVE_INFINITY, 1e-4, 0, 0, false)));
        assertEquals(Optional.of(SkippedStep.NO_PAIRS), SkippedStep.of(new UpdateResult(0, 0, 0, 0, 0, false)));
    }

    @Test
    void theBoundAppliesFromItsMinimumStepCount() {
        SkippedStepBound bound = new SkippedStepBound(0.1, 20);
        assertFalse(bound.exceededBy(19, 19), "before 20 steps nothing stops the run");
        assertFalse(bound.exceededBy(2, 20), "exactly the bound is allowed");
        assertTrue(bound.exceededBy(3, 20));
        assertEquals("3 of 20 steps (0.150) were skipped without an update, past sppo4j.learner.max-skipped-fraction = 0.1;"
                + " see the log for each step's cause", bound.describe(3, 20));
    }

    @Test
    void theBoundIsReadFromTheConfigurationAndAWrongValueNamesItsKey() {
        LearnerSettings defaults = LearnerSettings.from(EffectiveConfig.load(List.of(), List.of()));
        assertEquals(SkippedStepBound.DEFAULT, defaults.skippedSteps(), "reference.conf and the code agree");
        RuntimeException error = assertThrows(RuntimeException.class, () -> LearnerSettings.from(
                EffectiveConfig.load(List.of(), List.of("sppo4j.learner.max-skipped-fraction=1.5"))));
        assertTrue(error.getMessage().contains("sppo4j.learner.max-skipped-fraction"), error.getMessage());
        assertThrows(ConfigException.class, () -> LearnerSettings.from(
                EffectiveConfig.load(List.of(), List.of("sppo4j.learner.skipped-fraction-min-steps=lots"))));
    }
}
