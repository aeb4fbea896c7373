package io.sppo4j.model.judge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PreferenceMatricesTest {

    private static final double[][] ROCK_PAPER_SCISSORS = {
        {0.5, 0.0, 1.0},
        {1.0, 0.5, 0.0},
        {0.0, 1.0, 0.5},
    };

    @Test
    void rockPaperScissorsIsOneCyclicTriad() {
        assertEquals(1.0, PreferenceMatrices.cyclicTriadShare(ROCK_PAPER_SCISSORS));
        double[] winRates = PreferenceMatrices.winRates(ROCK_PAPER_SCISSORS);
        for (double rate : winRates) {
            assertEquals(0.5, rate, 1e-12);
        }
    }

    @Test
    void aTransitiveOrderHasNoCycles() {
        double[][] ordered = {
            {0.5, 0.9, 0.8, 0.7},
            {0.1, 0.5, 0.6, 0.9},
            {0.2, 0.4, 0.5, 0.6},
            {0.3, 0.1, 0.4, 0.5},
        };
        assertEquals(0.0, PreferenceMatrices.cyclicTriadShare(ordered));
    }

    @Test
    void oneCycleAmongFourCountsAsOneOfFourTriads() {
        // 0 ≻ 1 ≻ 2 ≻ 0 is a cycle; 3 loses to everyone.
        double[][] p = {
            {0.5, 1.0, 0.0, 1.0},
            {0.0, 0.5, 1.0, 1.0},
            {1.0, 0.0, 0.5, 1.0},
            {0.0, 0.0, 0.0, 0.5},
        };
        assertEquals(0.25, PreferenceMatrices.cyclicTriadShare(p));
    }

    @Test
    void tiesNeverCloseACycle() {
        double[][] ties = {{0.5, 0.5, 0.5}, {0.5, 0.5, 0.5}, {0.5, 0.5, 0.5}};
        assertEquals(0.0, PreferenceMatrices.cyclicTriadShare(ties));
    }

    @Test
    void validationNamesTheBadCell() {
        double[][] bad = {{0.5, 0.7}, {0.4, 0.5}};
        IllegalArgumentException error =
                assertThrows(IllegalArgumentException.class, () -> PreferenceMatrices.validate(bad, "judge"));
        assertTrue(error.getMessage().contains("P[0][1] + P[1][0]"), error.getMessage());
    }
}
