package io.sppo4j.model.task.game;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class GameTokenizerTest {

    private final GameTokenizer tokenizer = new GameTokenizer(BuiltinGames.get("rock-paper-scissors"));

    @Test
    void responsesComeFirstThenSpecialTokens() {
        assertEquals(3, tokenizer.responseCount());
        assertArrayEquals(new int[] {0, 1, 2}, tokenizer.responseIds());
        assertEquals(3, tokenizer.bos());
        assertEquals(4, tokenizer.eos());
        assertEquals(5, tokenizer.pad());
        assertEquals(6, tokenizer.vocabSize());
    }

    @Test
    void eachResponseIsOneToken() {
        assertArrayEquals(new int[] {1}, tokenizer.encode("paper"));
        assertArrayEquals(new int[0], tokenizer.encode(""));
        assertArrayEquals(new int[] {3}, tokenizer.encodePrompt(""));
        for (int id = 0; id < 3; id++) {
            assertArrayEquals(new int[] {id}, tokenizer.encode(tokenizer.decode(new int[] {id})));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> tokenizer.encode("lizard"));
        assertTrue(e.getMessage().contains("\"lizard\""), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> tokenizer.encode("rock paper"));
    }

    @Test
    void decodingReadsTheFirstTokenOnly() {
        assertEquals("scissors", tokenizer.decode(new int[] {2}));
        assertEquals("scissors", tokenizer.decode(new int[] {2, tokenizer.eos()}));
        assertEquals("rock", tokenizer.decode(new int[] {0, 1}));
        assertEquals("", tokenizer.decode(new int[] {tokenizer.eos()}));
        assertEquals("", tokenizer.decode(new int[] {tokenizer.bos(), 1}));
        assertEquals("", tokenizer.decode(new int[] {tokenizer.pad()}));
        assertEquals("", tokenizer.decode(new int[0]));
        assertEquals("", tokenizer.decode(new int[] {-1}));
    }
}
