package io.sppo4j.model.task.sort;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sppo4j.model.judge.PreferenceMatrices;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SortTaskTest {

    private final SortTask task = new SortTask(new SortTaskConfig(4, 8, 0.2, 0.1));

    @Test
    void targetIsTheSortedDigits() {
        assertEquals("011379", SortTask.target("910371="));
    }

    @Test
    void trainingPromptsNeverIncludeHeldOutOnes() {
        SplittableRandom random = new SplittableRandom(1);
        Set<String> heldOut = new HashSet<>(task.heldOutPrompts(500, 2));
        for (String prompt : heldOut) {
            assertTrue(task.isHeldOut(prompt));
        }
        int heldOutSeen = 0;
        for (int i = 0; i < 20_000; i++) {
            String prompt = task.trainingPrompt(random);
            assertFalse(task.isHeldOut(prompt));
            assertTrue(prompt.matches("[0-9]{4,8}="), prompt);
            heldOutSeen += heldOut.contains(prompt) ? 1 : 0;
        }
        assertEquals(0, heldOutSeen);
    }

    @Test
    void heldOutShareIsRoughlyAsConfigured() {
        SplittableRandom random = new SplittableRandom(3);
        int heldOut = 0;
        int draws = 20_000;
        for (int i = 0; i < draws; i++) {
            StringBuilder digits = new StringBuilder();
            for (int d = 0; d < 8; d++) {
                digits.append(random.nextInt(10));
            }
            heldOut += task.isHeldOut(digits + "=") ? 1 : 0;
        }
        assertEquals(0.1, (double) heldOut / draws, 0.01);
    }

    @Test
    void judgePrefersTheCloserResponseAndTiesAtOneHalf() {
        double[][] p = new SortJudge().preferences("3142=", List.of("1234", "1243", "1234", "9"));
        PreferenceMatrices.validate(p, "sort judge");
        assertEquals(1.0, p[0][1]);
        assertEquals(0.0, p[1][0]);
        assertEquals(0.5, p[0][2]);
        assertEquals(1.0, p[1][3]);
        double[] winRates = PreferenceMatrices.winRates(p);
        assertEquals((1.0 + 0.5 + 1.0) / 3, winRates[0], 1e-12);
        assertEquals(0.0, winRates[3], 1e-12);
    }

    @Test
    void demonstrationsAreNoisyButKeepTheLengthOnAverage() {
        SplittableRandom random = new SplittableRandom(4);
        int exact = 0;
        double lengthDifference = 0;
        int n = 20_000;
        for (int i = 0; i < n; i++) {
            String prompt = task.trainingPrompt(random);
            String demonstration = task.noisyDemonstration(prompt, random);
            assertTrue(demonstration.matches("[0-9]*"), demonstration);
            exact += demonstration.equals(SortTask.target(prompt)) ? 1 : 0;
            lengthDifference += demonstration.length() - SortTask.target(prompt).length();
        }
        double exactShare = (double) exact / n;
        // 0.8^6 ≈ 0.26 for the mean length of 6, plus harmless errors (swapping equal digits).
        assertTrue(exactShare > 0.2 && exactShare < 0.4, "exact share " + exactShare);
        assertEquals(0.0, lengthDifference / n, 0.05);
    }

    @Test
    void editDistanceCountsInsertionsDeletionsAndSubstitutions() {
        assertEquals(0, EditDistance.between("123", "123"));
        assertEquals(1, EditDistance.between("123", "1234"));
        assertEquals(1, EditDistance.between("1234", "124"));
        assertEquals(2, EditDistance.between("1234", "2134"));
        assertEquals(3, EditDistance.between("", "abc"));
    }
}
