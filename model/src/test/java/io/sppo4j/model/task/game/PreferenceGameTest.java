package io.sppo4j.model.task.game;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PreferenceGameTest {

    private static final List<String> RPS = List.of("rock", "paper", "scissors");

    @TempDir
    Path dir;

    @Test
    void matrixIsCopiedInAndOutAndComparedByContent() {
        double[][] p = {{0.5, 0.3}, {0.7, 0.5}};
        PreferenceGame game = new PreferenceGame("two", List.of("x", "y"), p);
        p[0][1] = 0.9;
        assertEquals(0.3, game.preference(0, 1));
        game.preferences()[0][1] = 0.9;
        assertEquals(0.3, game.preference(0, 1));

        PreferenceGame same = new PreferenceGame("two", List.of("x", "y"), new double[][] {{0.5, 0.3}, {0.7, 0.5}});
        assertEquals(game, same);
        assertEquals(game.hashCode(), same.hashCode());
        assertNotEquals(game, new PreferenceGame("two", List.of("x", "y"), new double[][] {{0.5, 0.4}, {0.6, 0.5}}));
        assertEquals(2, game.size());
        assertEquals(1, game.indexOf("y"));
        assertEquals(-1, game.indexOf("z"));
    }

    @Test
    void pairsWithinToleranceAreMadeExactlyComplementary() {
        PreferenceGame game = new PreferenceGame("near", List.of("x", "y"), new double[][] {{0.5000004, 0.3}, {0.7000008, 0.5}});
        assertEquals(0.5, game.preference(0, 0));
        assertEquals(1.0, game.preference(0, 1) + game.preference(1, 0), 1e-15);
        assertEquals(0.2999996, game.preference(0, 1), 1e-12);
    }

    @Test
    void invalidGamesAreRejectedNamingTheCell() {
        assertMessage("P[1][2] = 1.3 is outside [0, 1]", () -> game(new double[][] {{0.5, 0, 1}, {1, 0.5, 1.3}, {0, -0.3, 0.5}}));
        assertMessage("P[0][2] = NaN is outside [0, 1]", () -> game(new double[][] {{0.5, 0, Double.NaN}, {1, 0.5, 0}, {0, 1, 0.5}}));
        assertMessage("P[0][2] + P[2][0] = 1.2, expected 1", () -> game(new double[][] {{0.5, 0, 1}, {1, 0.5, 0}, {0.2, 1, 0.5}}));
        assertMessage("P[1][1] = 0.6, expected 1/2", () -> game(new double[][] {{0.5, 0, 1}, {1, 0.6, 0}, {0, 1, 0.5}}));
        assertMessage("row 2 has 2 entries, expected 3", () -> game(new double[][] {{0.5, 0, 1}, {1, 0.5, 0}, {0, 1}}));
        assertMessage("P has 2 rows, expected 3", () -> game(new double[][] {{0.5, 0, 1}, {1, 0.5, 0}}));
        assertMessage("at least one response", () -> new PreferenceGame("g", List.of(), new double[0][]));
        assertMessage("response \"rock\" appears twice",
                () -> new PreferenceGame("g", List.of("rock", "rock"), new double[][] {{0.5, 0.5}, {0.5, 0.5}}));
        assertMessage("response 1 is blank",
                () -> new PreferenceGame("g", List.of("rock", " "), new double[][] {{0.5, 0.5}, {0.5, 0.5}}));
    }

    @Test
    void jsonFileLoads() throws URISyntaxException {
        Path file = Path.of(getClass().getResource("/games/weighted-rps.json").toURI());
        PreferenceGame game = PreferenceGame.fromJson(file);
        assertEquals("weighted-rps", game.name());
        assertEquals(RPS, game.responses());
        assertEquals(BuiltinGames.get("weighted-rps"), game);
    }

    @Test
    void jsonRoundTripsExactly() throws IOException {
        PreferenceGame game = BuiltinGames.random("round-trip", 6, 99, 0.8, 0.4);
        Path file = dir.resolve("other-name.json");
        Files.writeString(file, game.toJson());
        PreferenceGame read = PreferenceGame.fromJson(file);
        assertEquals(game, read);
        assertArrayEquals(game.preferences()[3], read.preferences()[3]);
    }

    @Test
    void malformedFilesAreRejectedNamingTheFileAndTheCell() throws IOException {
        String responses = "\"responses\": [\"rock\", \"paper\", \"scissors\"], ";
        assertFileRejected("not-square.json", "{" + responses + "\"P\": [[0.5, 0, 1], [1, 0.5, 0], [0, 1]]}",
                "row 2 has 2 entries, expected 3");
        assertFileRejected("too-few-rows.json", "{" + responses + "\"P\": [[0.5, 0, 1], [1, 0.5, 0]]}",
                "P has 2 rows, expected 3");
        assertFileRejected("outside.json", "{" + responses + "\"P\": [[0.5, 0, 1], [1, 0.5, 1.3], [0, -0.3, 0.5]]}",
                "P[1][2] = 1.3 is outside [0, 1]");
        assertFileRejected("not-complementary.json", "{" + responses + "\"P\": [[0.5, 0, 1], [1, 0.5, 0.2], [0, 0.800002, 0.5]]}",
                "P[1][2] + P[2][1] = 1.00000");
        assertFileRejected("not-complementary-2.json", "{" + responses + "\"P\": [[0.5, 0, 1], [1, 0.5, 0.2], [0, 0.800002, 0.5]]}",
                ", expected 1");
        assertFileRejected("not-a-number.json", "{" + responses + "\"P\": [[0.5, 0, 1], [1, 0.5, \"0\"], [0, 1, 0.5]]}",
                "P[1][2] must be a number, got \"0\"");
        assertFileRejected("misspelt-p.json", "{" + responses + "\"p\": [[0.5]]}", "unknown key \"p\"");
        assertFileRejected("missing-p.json", "{" + responses.substring(0, responses.length() - 2) + "}",
                "missing key \"P\"");
        assertFileRejected("responses-not-strings.json", "{\"responses\": [\"rock\", 2], \"P\": [[0.5, 0], [1, 0.5]]}",
                "responses[1] must be a string, got 2");
        assertFileRejected("bad.json", "{" + responses + "\n\"P\": [[0.5, 0, 1],\n [1, 0.5 0]]}", "malformed JSON");
        assertFileRejected("bad-line.json", "{" + responses + "\n\"P\": [[0.5, 0, 1],\n [1, 0.5 0]]}", "line 3");
        assertFileRejected("lenient.json", "{responses: [\"a\"], \"P\": [[0.5]]}", "malformed JSON");
        assertFileRejected("trailing.json", "{\"responses\": [\"a\"], \"P\": [[0.5]]} {}", "unexpected content");
        assertFileRejected("array.json", "[1, 2]", "expected a JSON object");
        assertFileRejected("empty.json", "\n", "the file is empty");
        assertFileRejected("not-an-array.json", "{" + responses + "\"P\": 3}", "\"P\" must be an array of rows, got 3");
    }

    @Test
    void complementarityWithinToleranceIsAccepted() throws IOException {
        Path file = dir.resolve("near.json");
        Files.writeString(file, "{\"responses\": [\"x\", \"y\"], \"P\": [[0.5, 0.2], [0.8000005, 0.5]]}");
        PreferenceGame game = PreferenceGame.fromJson(file);
        assertEquals("near", game.name());
        assertEquals(1.0, game.preference(0, 1) + game.preference(1, 0), 1e-15);
    }

    @Test
    void missingFileNamesTheFile() {
        Path file = dir.resolve("absent.json");
        Exception e = assertThrows(UncheckedIOException.class, () -> PreferenceGame.fromJson(file));
        assertEquals(file + ": no such file", e.getMessage());
    }

    private void assertFileRejected(String name, String json, String expected) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, json);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PreferenceGame.fromJson(file));
        assertTrue(e.getMessage().startsWith(file + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    private static PreferenceGame game(double[][] p) {
        return new PreferenceGame("g", RPS, p);
    }

    private static void assertMessage(String expected, Runnable construction) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, construction::run);
        assertTrue(e.getMessage().startsWith("game g: "), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
