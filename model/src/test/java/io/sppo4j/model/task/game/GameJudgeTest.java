package io.sppo4j.model.task.game;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sppo4j.model.judge.PreferenceMatrices;

import java.util.List;
import org.junit.jupiter.api.Test;

class GameJudgeTest {

    private final GameJudge judge = new GameJudge(BuiltinGames.get("weighted-rps"));

    @Test
    void namedAfterTheGame() {
        assertEquals("game-weighted-rps", judge.name());
    }

    @Test
    void preferencesComeFromTheMatrix() {
        double[][] p = judge.preferences("", List.of("rock", "scissors", "paper", "rock"));
        PreferenceMatrices.validate(p, "game judge");
        assertEquals(0.9, p[0][1]);
        assertEquals(0.1, p[1][0]);
        assertEquals(0.6, p[1][2]);
        assertEquals(0.3, p[0][2]);
        assertEquals(0.5, p[0][3]);
        assertEquals(0.5, p[2][2]);
    }

    @Test
    void nonMovesLoseToMovesAndTieWithEachOther() {
        double[][] p = judge.preferences("", List.of("", "paper", "lizard", "rock"));
        PreferenceMatrices.validate(p, "game judge");
        assertEquals(0.0, p[0][1]);
        assertEquals(1.0, p[1][0]);
        assertEquals(0.0, p[2][3]);
        assertEquals(0.5, p[0][2]);
        assertEquals(0.5, p[0][0]);
        assertEquals(0.7, p[1][3]);
    }
}
