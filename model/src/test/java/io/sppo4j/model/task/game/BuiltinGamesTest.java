package io.sppo4j.model.task.game;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sppo4j.model.judge.PreferenceMatrices;

import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class BuiltinGamesTest {

    @Test
    void builtinsAreListedAndFoundByName() {
        assertEquals(List.of("rock-paper-scissors", "weighted-rps", "random-5", "random-7", "transitive-4"),
                BuiltinGames.names());
        for (String name : BuiltinGames.names()) {
            PreferenceGame game = BuiltinGames.get(name);
            assertEquals(name, game.name());
            assertEquals(game.size(), new HashSet<>(game.responses()).size());
        }
        assertEquals(5, BuiltinGames.get("random-5").size());
        assertEquals(7, BuiltinGames.get("random-7").size());
        assertEquals(List.of("rock", "paper", "scissors"), BuiltinGames.get("weighted-rps").responses());
    }

    @Test
    void unknownNameListsTheBuiltins() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BuiltinGames.get("chess"));
        assertTrue(e.getMessage().contains("\"chess\""), e.getMessage());
        assertTrue(e.getMessage().contains("weighted-rps"), e.getMessage());
    }

    @Test
    void cyclesAndTransitivityAreWhereTheyShouldBe() {
        assertEquals(1.0, PreferenceMatrices.cyclicTriadShare(BuiltinGames.get("rock-paper-scissors").preferences()));
        assertEquals(1.0, PreferenceMatrices.cyclicTriadShare(BuiltinGames.get("weighted-rps").preferences()));
        assertEquals(0.0, PreferenceMatrices.cyclicTriadShare(BuiltinGames.get("transitive-4").preferences()));
        assertTrue(PreferenceMatrices.cyclicTriadShare(BuiltinGames.get("random-7").preferences()) > 0);
    }

    @Test
    void randomGamesAreValidDeterministicAndExactlyComplementary() {
        PreferenceGame game = BuiltinGames.random("g", 9, 7, 1.5, 1.0);
        assertEquals(game, BuiltinGames.random("g", 9, 7, 1.5, 1.0));
        assertNotEquals(game, BuiltinGames.random("g", 9, 8, 1.5, 1.0));
        double[][] p = game.preferences();
        PreferenceMatrices.validate(p, "random game");
        boolean clipped = false;
        for (int i = 0; i < 9; i++) {
            assertEquals(0.5, p[i][i]);
            for (int j = 0; j < 9; j++) {
                assertEquals(1.0, p[i][j] + p[j][i], 1e-15);
                clipped |= p[i][j] == 0 || p[i][j] == 1;
            }
        }
        assertTrue(clipped, "weights this large should clip some entries");
        assertEquals(List.of("r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8"), game.responses());
    }

    @Test
    void withoutTheCyclicPartARandomGameIsTransitive() {
        PreferenceGame game = BuiltinGames.random("t", 8, 3, 0, 0.7);
        assertEquals(0.0, PreferenceMatrices.cyclicTriadShare(game.preferences()));
        double[] pi = NashSolver.solve(game);
        int best = Exploitability.bestResponse(game.preferences(), pi);
        assertEquals(1.0, pi[best], 1e-9);
    }

    @Test
    void badParametersAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> BuiltinGames.random("g", 0, 1, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> BuiltinGames.random("g", 3, 1, -1, 0));
        assertThrows(IllegalArgumentException.class, () -> BuiltinGames.random("g", 3, 1, 1, Double.NaN));
    }
}
