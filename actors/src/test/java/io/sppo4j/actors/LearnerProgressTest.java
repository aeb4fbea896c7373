package io.sppo4j.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class LearnerProgressTest {

    @Test
    void progressRoundTripsThroughTheCheckpointExtras() {
        LearnerProgress progress = new LearnerProgress(1234, 2, 98_765, 17, 3);
        Map<String, String> extras = progress.toExtras("sort", "ITERATIONS");
        assertEquals("learner", extras.get("role"));
        assertEquals("sort", extras.get("task"));
        assertEquals("iterations", extras.get("schedule"));
        assertEquals("1234", extras.get(LearnerProgress.PROMPTS_ISSUED));
        assertEquals(progress, LearnerProgress.fromExtras(extras));
    }

    @Test
    void keysMissingFromAnOlderCheckpointReadAsTheStart() {
        assertEquals(LearnerProgress.START, LearnerProgress.fromExtras(Map.of("role", "learner")));
        assertEquals(new LearnerProgress(5, 0, 40, 1, 0), LearnerProgress.fromExtras(Map.of(
                LearnerProgress.PROMPTS_ISSUED, "5", LearnerProgress.SAMPLES, "40", LearnerProgress.DROPPED_STALE, "1")));
    }

    @Test
    void aValueThatIsNotANumberIsRefusedNamingItsKey() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> LearnerProgress.fromExtras(Map.of(LearnerProgress.SAMPLES, "12x")));
        assertTrue(error.getMessage().contains("'samples'") && error.getMessage().contains("'12x'"), error.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> LearnerProgress.fromExtras(Map.of(LearnerProgress.SKIPPED_STEPS, "-1")));
    }
}
