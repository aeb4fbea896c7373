package io.sppo4j.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sppo4j.actors.data.JudgedGroup;
import io.sppo4j.actors.settings.Schedule;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The iterations schedule on its own: no actor, no tensor. */
class IterationScheduleTest {

    /** Three iterations over 5 prompts, two epochs, 2 groups a step (batches of 2, 2, 1): 6 steps an iteration. */
    private static IterationSchedule schedule() {
        return new IterationSchedule(new Schedule(Schedule.Kind.ITERATIONS, 3, 5, 2),
                ActorFixtures.learnerSettings(4, 2, 100, 1_000), new PromptDispenser(ActorFixtures.SORT, 7, 5), 7);
    }

    private static List<String> deal(IterationSchedule schedule, int count) {
        List<String> prompts = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            prompts.add(schedule.nextPrompt());
        }
        return prompts;
    }

    @Test
    void creditsCoverThePromptSetOnceWithinTheCapacity() {
        IterationSchedule schedule = schedule();
        schedule.start();
        assertEquals(4, schedule.room(0), "capacity 4 of 5 prompts");
        List<String> dealt = deal(schedule, 4);
        assertEquals(0, schedule.room(4));
        assertEquals(1, schedule.room(0), "one prompt left to deal");
        dealt.addAll(deal(schedule, 1));
        assertEquals(0, schedule.room(0), "every prompt dealt");
        assertEquals(5, new HashSet<>(dealt).size(), "five different prompts");
    }

    @Test
    void aFullSetIsTrainedInEpochsShuffledBatchesAndNoCreditGoesOutMeanwhile() {
        IterationSchedule schedule = schedule();
        schedule.start();
        List<String> prompts = deal(schedule, 5);
        for (int i = 0; i < 5; i++) {
            assertFalse(schedule.readyToTrain());
            assertEquals(TrainingSchedule.Arrival.ACCEPTED,
                    schedule.accept(ActorFixtures.judged(i, prompts.get(i), 0), true, 4 - i, 0));
        }
        assertTrue(schedule.readyToTrain());
        assertEquals(0, schedule.room(0), "training: no credits");
        Map<Long, Integer> uses = new HashMap<>();
        List<Integer> sizes = new ArrayList<>();
        List<String> after = new ArrayList<>();
        long step = 0;
        while (schedule.readyToTrain()) {
            TrainingSchedule.Batch batch = schedule.nextBatch(0);
            sizes.add(batch.groups().size());
            batch.groups().forEach(group -> uses.merge(group.group().creditId(), 1, Integer::sum));
            TrainingSchedule.AfterStep next = schedule.afterStep(++step);
            after.add((next.publish() ? "p" : "-") + (next.checkpoint() ? "c" : "-") + (next.last() ? "L" : "-"));
        }
        assertEquals(List.of(2, 2, 1, 2, 2, 1), sizes, "two passes over 5 groups, 2 a step");
        assertEquals(Map.of(0L, 2, 1L, 2, 2L, 2, 3L, 2, 4L, 2), uses, "every group used once an epoch");
        assertEquals(List.of("---", "---", "---", "---", "---", "pc-"), after, "publish and checkpoint at the end only");
        assertEquals(1, schedule.iteration());
        assertEquals(4, schedule.room(0), "the next iteration's prompts are dealt");
        assertEquals(new HashSet<>(prompts), new HashSet<>(deal(schedule, 5)), "the same set again");
    }

    @Test
    void staleAndLateGroupsDoNotCountAndAStaleOnesPromptIsDealtAgain() {
        IterationSchedule schedule = schedule();
        schedule.start();
        List<String> prompts = deal(schedule, 5);
        assertEquals(TrainingSchedule.Arrival.STALE, schedule.accept(ActorFixtures.judged(0, prompts.get(0), 0), true, 4, 1));
        assertEquals(1, schedule.room(0));
        assertEquals(prompts.get(0), schedule.nextPrompt(), "dealt again");
        assertEquals(TrainingSchedule.Arrival.LATE, schedule.accept(ActorFixtures.judged(1, prompts.get(1), 1), false, 4, 1),
                "its credit was taken back and its prompt dealt again");
        schedule.takenBack(prompts.get(2));
        assertEquals(prompts.get(2), schedule.nextPrompt(), "a credit taken back deals its prompt again");
        assertEquals(0, schedule.buffered());
    }

    @Test
    void theLastIterationEndsTheRunAndAResumedScheduleCountsOnFromItsIteration() {
        IterationSchedule schedule = schedule();
        schedule.resume(new LearnerProgress(0, 2, 0, 0, 0));
        assertFalse(schedule.finished(12));
        schedule.start();
        List<String> prompts = deal(schedule, 5);
        for (int i = 0; i < 5; i++) {
            schedule.accept(ActorFixtures.judged(i, prompts.get(i), 2), true, 0, 2);
        }
        TrainingSchedule.AfterStep next = TrainingSchedule.AfterStep.CONTINUE;
        for (long step = 13; schedule.readyToTrain(); step++) {
            schedule.nextBatch(2);
            next = schedule.afterStep(step);
        }
        assertEquals(new TrainingSchedule.AfterStep(true, true, true), next, "the third iteration was the last");
        assertTrue(schedule.finished(18));
        assertEquals(0, schedule.room(0), "nothing more to deal");
    }
}
