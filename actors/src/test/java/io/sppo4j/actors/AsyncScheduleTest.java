package io.sppo4j.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sppo4j.actors.data.JudgedGroup;
import io.sppo4j.actors.settings.LearnerSettings;
import io.sppo4j.model.optim.AdamWConfig;
import io.sppo4j.model.weights.TensorEncoding;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The async schedule on its own: no actor, no tensor. */
class AsyncScheduleTest {

    /** Capacity 6, 2 groups a step, staleness up to 1, publish every 2, checkpoint every 3, 7 steps. */
    private static final LearnerSettings SETTINGS = new LearnerSettings(6, 2, 1, 2, 3, 1, 7, AdamWConfig.DEFAULTS, 0,
            Duration.ofSeconds(60), TensorEncoding.FP32);

    private static AsyncSchedule schedule() {
        return new AsyncSchedule(SETTINGS, new PromptDispenser(ActorFixtures.SORT, 7, 0));
    }

    private static JudgedGroup group(long version) {
        return ActorFixtures.judged(1, "321=", version);
    }

    @Test
    void roomIsTheCapacityLessWhatIsInFlightAndBuffered() {
        AsyncSchedule schedule = schedule();
        assertEquals(6, schedule.room(0));
        assertEquals(2, schedule.room(4));
        schedule.accept(group(0), true, 4, 0);
        assertEquals(1, schedule.room(4), "a buffered group holds its place until a step uses it");
        assertEquals(1, schedule.buffered());
    }

    @Test
    void groupsAreKeptDroppedOrRefusedByStalenessAndRoom() {
        AsyncSchedule schedule = schedule();
        assertEquals(TrainingSchedule.Arrival.ACCEPTED, schedule.accept(group(4), true, 0, 5), "one version old");
        assertEquals(TrainingSchedule.Arrival.STALE, schedule.accept(group(3), true, 0, 5), "two versions old");
        assertEquals(TrainingSchedule.Arrival.ACCEPTED, schedule.accept(group(5), false, 0, 5),
                "a late group is welcome while there is room");
        assertEquals(TrainingSchedule.Arrival.LATE, schedule.accept(group(5), false, 4, 5),
                "no room for a group whose credit was taken back");
        assertEquals(2, schedule.buffered());
    }

    @Test
    void aBatchIsReadyAtGroupsPerStepAndLeavesOutGroupsThatAgedWhileWaiting() {
        AsyncSchedule schedule = schedule();
        schedule.accept(group(0), true, 0, 0);
        assertFalse(schedule.readyToTrain());
        schedule.accept(group(1), true, 0, 1);
        schedule.accept(group(2), true, 0, 2);
        assertTrue(schedule.readyToTrain());
        // At version 2, the version-0 group is two versions old: it is dropped, the next one taken instead.
        TrainingSchedule.Batch batch = schedule.nextBatch(2);
        assertEquals(1, batch.droppedStale());
        assertEquals(List.of(1L, 2L), batch.groups().stream().map(JudgedGroup::version).toList());
        assertEquals(0, schedule.buffered());
    }

    @Test
    void publishingCheckpointingAndTheEndFollowTheirCadences() {
        AsyncSchedule schedule = schedule();
        List<String> after = new ArrayList<>();
        for (long step = 1; step <= 7; step++) {
            TrainingSchedule.AfterStep next = schedule.afterStep(step);
            after.add((next.publish() ? "p" : "-") + (next.checkpoint() ? "c" : "-") + (next.last() ? "L" : "-"));
        }
        // Publish every 2, checkpoint every 3, and both at the last step (7) whatever the cadence.
        assertEquals(List.of("---", "p--", "-c-", "p--", "---", "pc-", "pcL"), after);
        assertFalse(schedule.finished(6));
        assertTrue(schedule.finished(7));
    }

    @Test
    void promptsComeFromTheStreamAndResumeAtTheSavedPosition() {
        AsyncSchedule first = schedule();
        List<String> prompts = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            prompts.add(first.nextPrompt());
        }
        first.takenBack(prompts.get(0)); // a stream never deals a prompt twice
        assertEquals(5, first.promptsIssued());
        AsyncSchedule resumed = schedule();
        resumed.resume(new LearnerProgress(3, 0, 0, 0, 0));
        assertEquals(prompts.get(3), resumed.nextPrompt());
        assertEquals(prompts.get(4), resumed.nextPrompt());
    }
}
