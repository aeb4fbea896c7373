package io.sppo4j.model.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LearningRateScheduleTest {

    @Test
    void constantIsTheSameAtEveryStep() {
        LearningRateSchedule constant = new LearningRateSchedule.Constant(3e-4f);
        assertEquals(3e-4f, constant.at(0));
        assertEquals(3e-4f, constant.at(1));
        assertEquals(3e-4f, constant.at(1_000_000));
        assertEquals(3e-4f, constant.peak());
    }

    @Test
    void cosineWithWarmupAtItsKeyPoints() {
        // peak 1e-3, 10 warm-up updates, cosine down to 1e-4 at update 110.
        LearningRateSchedule schedule = new LearningRateSchedule.CosineWithWarmup(1e-3f, 10, 110, 1e-4f);
        assertEquals(0f, schedule.at(0), "before the first update");
        assertEquals(1e-4f, schedule.at(1), 1e-10f, "first update: peak / warmupSteps");
        assertEquals(5e-4f, schedule.at(5), 1e-10f, "halfway through warm-up");
        assertEquals(1e-3f, schedule.at(10), 0f, "end of warm-up: the peak");
        // progress 1/4: 1e-4 + 9e-4 · ½ (1 + cos(π/4)) = 1e-4 + 9e-4 · 0.853553...
        assertEquals(1e-4 + 9e-4 * 0.5 * (1 + Math.sqrt(0.5)), schedule.at(35), 1e-9);
        assertEquals(5.5e-4f, schedule.at(60), 1e-9f, "halfway through the cosine: the midpoint");
        assertEquals(1e-4f, schedule.at(110), 0f, "totalSteps: the floor");
        assertEquals(1e-4f, schedule.at(10_000), 0f, "flat after totalSteps");
        assertEquals(1e-3f, schedule.peak());
    }

    @Test
    void linearWithWarmupDecaysAsTransformersLinearSchedule() {
        // peak 5e-7 (the paper's rate), 31 warm-up updates of 312 planned.
        float peak = 5e-7f;
        LearningRateSchedule schedule = new LearningRateSchedule.LinearWithWarmup(peak, 31, 312);
        assertEquals(peak / 31, schedule.at(1), 1e-15f, "warm-up as the cosine's: the first update moves");
        assertEquals(peak, schedule.at(31), 0f, "end of warm-up: the peak");
        // transformers' get_linear_schedule_with_warmup gives its k-th update (counted from 0)
        // peak · (total − k) / (total − warmup): our update k + 1.
        for (long k = 31; k < 312; k++) {
            double transformers = peak * (double) (312 - k) / (312 - 31);
            assertEquals(transformers, schedule.at(k + 1), 1e-13, "update " + (k + 1));
        }
        assertTrue(schedule.at(312) > 0f, "the last planned update still moves");
        assertEquals(0f, schedule.at(313), 0f, "past the plan: zero");
        assertEquals(0f, schedule.at(10_000), 0f);
        assertEquals(peak, schedule.peak());
        LearningRateSchedule noWarmup = new LearningRateSchedule.LinearWithWarmup(1e-3f, 0, 4);
        assertEquals(1e-3f, noWarmup.at(1), 0f);
        assertEquals(0.25e-3f, noWarmup.at(4), 1e-10f);
        assertThrows(IllegalArgumentException.class, () -> new LearningRateSchedule.LinearWithWarmup(1e-3f, 10, 10));
        assertThrows(IllegalArgumentException.class, () -> new LearningRateSchedule.LinearWithWarmup(0f, 1, 10));
    }

    @Test
    void cosineRisesThroughWarmupThenFallsMonotonically() {
        LearningRateSchedule schedule = new LearningRateSchedule.CosineWithWarmup(2e-3f, 7, 50, 0f);
        for (long step = 1; step <= 7; step++) {
            assertTrue(schedule.at(step) > schedule.at(step - 1), "warm-up rises at " + step);
        }
        for (long step = 8; step <= 50; step++) {
            assertTrue(schedule.at(step) < schedule.at(step - 1), "cosine falls at " + step);
        }
        assertEquals(0f, schedule.at(50));
    }

    @Test
    void withoutWarmupTheCosineStartsAtThePeak() {
        LearningRateSchedule schedule = new LearningRateSchedule.CosineWithWarmup(1e-3f, 0, 100, 0f);
        assertEquals(1e-3f, schedule.at(0), 0f);
        assertEquals(1e-3 * 0.5 * (1 + Math.cos(Math.PI / 100)), schedule.at(1), 1e-10);
        assertEquals(5e-4f, schedule.at(50), 1e-9f);
    }

    @Test
    void refusesInconsistentSettings() {
        assertThrows(IllegalArgumentException.class, () -> new LearningRateSchedule.Constant(0f));
        assertThrows(IllegalArgumentException.class, () -> new LearningRateSchedule.Constant(Float.NaN));
        assertThrows(IllegalArgumentException.class, () -> new LearningRateSchedule.CosineWithWarmup(0f, 1, 10, 0f));
        assertThrows(IllegalArgumentException.class, () -> new LearningRateSchedule.CosineWithWarmup(1e-3f, -1, 10, 0f));
        IllegalArgumentException total = assertThrows(
                IllegalArgumentException.class, () -> new LearningRateSchedule.CosineWithWarmup(1e-3f, 10, 10, 0f));
        assertTrue(total.getMessage().contains("totalSteps (10) must exceed warmupSteps (10)"), total.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new LearningRateSchedule.CosineWithWarmup(1e-3f, 1, 10, 2e-3f));
        assertThrows(IllegalArgumentException.class, () -> new LearningRateSchedule.CosineWithWarmup(1e-3f, 1, 10, -1e-4f));
        assertThrows(IllegalArgumentException.class, () -> new LearningRateSchedule.Constant(1f).at(-1));
    }
}
