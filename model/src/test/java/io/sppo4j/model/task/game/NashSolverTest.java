package io.sppo4j.model.task.game;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class NashSolverTest {

    @Test
    void rockPaperScissorsEquilibriumIsUniform() {
        PreferenceGame rps = BuiltinGames.get("rock-paper-scissors");
        double[] pi = NashSolver.solve(rps);
        for (double p : pi) {
            assertEquals(1.0 / 3, p, 1e-9);
        }
        assertEquals(0.0, Exploitability.of(rps, pi), 1e-9);
    }

    @Test
    void weightedRockPaperScissorsMatchesTheAnalyticEquilibrium() {
        PreferenceGame game = BuiltinGames.get("weighted-rps");
        int rock = game.indexOf("rock");
        int paper = game.indexOf("paper");
        int scissors = game.indexOf("scissors");
        // In a 3-cycle every move must win exactly 1/2 against the equilibrium. With margins
        // m = P(winner ≻ loser) − 1/2, rock is indifferent when π_paper·m(paper≻rock) =
        // π_scissors·m(rock≻scissors), and so on round the cycle; the solution weights each move
        // by the margin of the edge between the other two.
        double rockOverScissors = game.preference(rock, scissors) - 0.5;
        double paperOverRock = game.preference(paper, rock) - 0.5;
        double scissorsOverPaper = game.preference(scissors, paper) - 0.5;
        double total = rockOverScissors + paperOverRock + scissorsOverPaper;
        double[] analytic = new double[3];
        analytic[rock] = scissorsOverPaper / total;
        analytic[paper] = rockOverScissors / total;
        analytic[scissors] = paperOverRock / total;
        assertEquals(1.0 / 7, analytic[rock], 1e-12);
        assertEquals(4.0 / 7, analytic[paper], 1e-12);
        assertEquals(2.0 / 7, analytic[scissors], 1e-12);

        double[] pi = NashSolver.solve(game);
        for (int i = 0; i < 3; i++) {
            assertEquals(analytic[i], pi[i], 1e-9);
        }
        assertEquals(0.0, Exploitability.of(game, analytic), 1e-12);
    }

    @Test
    void everyBuiltinSolutionHasNoExploitability() {
        for (String name : BuiltinGames.names()) {
            PreferenceGame game = BuiltinGames.get(name);
            double[] pi = NashSolver.solve(game);
            assertIsDistribution(pi, game.size());
            double exploitability = Exploitability.of(game, pi);
            assertTrue(Math.abs(exploitability) <= 1e-9, name + ": exploitability " + exploitability);
        }
    }

    @Test
    void randomGamesHaveMixedNonUniformEquilibria() {
        for (String name : new String[] {"random-5", "random-7"}) {
            PreferenceGame game = BuiltinGames.get(name);
            double[] pi = NashSolver.solve(game);
            int support = 0;
            double min = 1;
            double max = 0;
            for (double p : pi) {
                if (p > 1e-9) {
                    support++;
                    min = Math.min(min, p);
                }
                max = Math.max(max, p);
            }
            assertTrue(support >= 3, name + ": support " + support);
            // Well inside the simplex and far from uniform, so neither is an artefact of round-off.
            assertTrue(min >= 0.05, name + ": smallest played probability " + min);
            assertTrue(max - min >= 0.15, name + ": spread " + (max - min));
            assertTrue(max >= 1.0 / game.size() + 0.1, name + ": largest probability " + max);
        }
        assertEquals(5, support(NashSolver.solve(BuiltinGames.get("random-5"))));
        assertEquals(5, support(NashSolver.solve(BuiltinGames.get("random-7"))));
    }

    @Test
    void transitiveGameHasPureEquilibriumOnTheBest() {
        PreferenceGame game = BuiltinGames.get("transitive-4");
        double[] pi = NashSolver.solve(game);
        assertEquals(1.0, pi[game.indexOf("a")], 1e-9);
        assertEquals(1, support(pi));
    }

    @Test
    void anotherRandomGameIsSolvedExactly() {
        PreferenceGame game = BuiltinGames.random("other", 7, 20240607L, 1.0, 0.2);
        double[] pi = NashSolver.solve(game);
        assertIsDistribution(pi, 7);
        assertTrue(Math.abs(Exploitability.of(game, pi)) <= 1e-9, "exploitability " + Exploitability.of(game, pi));
        // At equilibrium no response wins more than 1/2 against π, and each one played wins exactly 1/2.
        double[][] p = game.preferences();
        for (int y = 0; y < 7; y++) {
            double rate = 0;
            for (int j = 0; j < 7; j++) {
                rate += pi[j] * p[y][j];
            }
            assertTrue(rate <= 0.5 + 1e-9, "response " + y + " wins " + rate);
            if (pi[y] > 1e-9) {
                assertEquals(0.5, rate, 1e-9);
            }
        }
    }

    @Test
    void aGameOfOneResponseIsSolved() {
        assertEquals(1.0, NashSolver.solve(new double[][] {{0.5}})[0]);
    }

    @Test
    void invalidMatricesAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NashSolver.solve(new double[][] {{0.5, 0.9}, {0.6, 0.5}}));
        assertTrue(e.getMessage().contains("P[0][1] + P[1][0]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> NashSolver.solve(new double[0][]));
    }

    private static int support(double[] pi) {
        int support = 0;
        for (double p : pi) {
            support += p > 1e-9 ? 1 : 0;
        }
        return support;
    }

    private static void assertIsDistribution(double[] pi, int n) {
        assertEquals(n, pi.length);
        double sum = 0;
        for (double p : pi) {
            assertTrue(p >= 0, "negative probability " + p);
            sum += p;
        }
        assertEquals(1.0, sum, 1e-12);
    }
}
