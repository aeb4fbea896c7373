package io.sppo4j.model.task.game;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sppo4j.model.sft.Demonstrations;
import io.sppo4j.model.tokenizer.ByteTokenizer;

import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class GameTaskTest {

    private final GameTask task = new GameTask(BuiltinGames.get("random-5"));

    @Test
    void aGameHasOneEmptyPrompt() {
        assertEquals("game", task.name());
        assertEquals("", task.trainingPrompt(new SplittableRandom(1)));
        assertEquals(Collections.nCopies(4, ""), task.heldOutPrompts(4, 9));
        assertEquals(List.of(), task.heldOutPrompts(0, 9));
        assertEquals("game-random-5", task.judge().name());
        assertEquals(BuiltinGames.get("random-5"), task.game());
        assertEquals(5, task.tokenizer().responseCount());
    }

    @Test
    void demonstrationsAreUniformOneTokenMoves() {
        Demonstrations demonstrations = task.demonstrations(task.tokenizer());
        SplittableRandom random = new SplittableRandom(5);
        int[] counts = new int[5];
        int draws = 10_000;
        for (int i = 0; i < draws; i++) {
            Demonstrations.Demonstration d = demonstrations.next(random);
            assertArrayEquals(new int[] {task.tokenizer().bos()}, d.prompt());
            assertEquals(1, d.response().length);
            counts[d.response()[0]]++;
        }
        for (int count : counts) {
            assertEquals(0.2, (double) count / draws, 0.02);
        }
        Demonstrations.Demonstration first = task.demonstrations(task.tokenizer()).next(new SplittableRandom(3));
        Demonstrations.Demonstration again = task.demonstrations(task.tokenizer()).next(new SplittableRandom(3));
        assertArrayEquals(first.response(), again.response());
    }

    @Test
    void demonstrationsNeedOneTokenPerMove() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> task.demonstrations(new ByteTokenizer()));
        assertTrue(e.getMessage().contains("GameTokenizer"), e.getMessage());
    }
}
