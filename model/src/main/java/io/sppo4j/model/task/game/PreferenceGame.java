package io.sppo4j.model.task.game;

import io.sppo4j.model.judge.PreferenceMatrices;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A preference game: {@code n} responses and the matrix {@code P[i][j] = P(response i ≻ response j)}
 * with {@code P[i][j] + P[j][i] = 1} and {@code P[i][i] = 1/2}. Preferences may be intransitive.
 * The symmetric two-player constant-sum game it defines has value 1/2, and a Nash equilibrium
 * {@code π} satisfies {@code Σ_i π_i P[i][y] ≥ 1/2} for every response {@code y}.
 *
 * <p>The record is immutable: the matrix is copied in and out. Entries within
 * {@link PreferenceMatrices#SYMMETRY_TOLERANCE} of complementary are made exactly complementary
 * (each pair moved half-way), so the game's value is exactly 1/2 and an exact equilibrium has
 * exploitability 0 rather than something of the order of the tolerance. Pairs that already sum
 * to 1 are kept bit for bit.
 *
 * @param name shown in the judge's name and in reports
 * @param responses the moves, each a distinct non-blank string; response {@code i} is row and
 *     column {@code i} of the matrix
 * @param preferences the {@code n×n} matrix {@code P}
 */
public record PreferenceGame(String name, List<String> responses, double[][] preferences) {

    public PreferenceGame {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("a game needs a non-blank name");
        }
        responses = checkedResponses("game " + name, responses);
        preferences = complementaryCopy("game " + name, responses.size(), preferences);
    }

    /**
     * Reads {@code {"responses": ["rock", ...], "P": [[0.5, ...], ...]}} with an optional
     * {@code "name"} (the file name without {@code .json} otherwise). Any error, from malformed
     * JSON to a bad cell, throws {@link IllegalArgumentException} whose message starts with the
     * file's path; an unreadable file throws {@link java.io.UncheckedIOException}.
     */
    public static PreferenceGame fromJson(Path file) {
        return PreferenceGameJson.read(file);
    }

    /** This game as JSON that {@link #fromJson} reads back to an equal game. */
    public String toJson() {
        return PreferenceGameJson.write(this);
    }

    /** A copy of the matrix. */
    @Override
    public double[][] preferences() {
        return copy(preferences);
    }

    /** {@code P[i][j]} without copying the matrix. */
    public double preference(int i, int j) {
        return preferences[i][j];
    }

    /** Number of responses. */
    public int size() {
        return responses.size();
    }

    /** Index of {@code response}, or -1 if it is not one of this game's responses. */
    public int indexOf(String response) {
        return responses.indexOf(response);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof PreferenceGame game
                && name.equals(game.name)
                && responses.equals(game.responses)
                && Arrays.deepEquals(preferences, game.preferences);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, responses, Arrays.deepHashCode(preferences));
    }

    @Override
    public String toString() {
        return "PreferenceGame[name=" + name + ", responses=" + responses
                + ", preferences=" + Arrays.deepToString(preferences) + "]";
    }

    /**
     * Throws unless the responses are non-empty, non-blank and distinct; {@code source} starts
     * the message. Returns an unmodifiable copy.
     */
    static List<String> checkedResponses(String source, List<String> responses) {
        if (responses == null || responses.isEmpty()) {
            throw new IllegalArgumentException(source + ": a game needs at least one response");
        }
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < responses.size(); i++) {
            String response = responses.get(i);
            if (response == null || response.isBlank()) {
                throw new IllegalArgumentException(
                        source + ": response " + i + " is " + (response == null ? "null" : "blank"));
            }
            if (!seen.add(response)) {
                throw new IllegalArgumentException(source + ": response \"" + response + "\" appears twice");
            }
        }
        return List.copyOf(responses);
    }

    /**
     * Throws unless {@code preferences} is a valid {@code n×n} preference matrix; {@code source}
     * starts the message, which names the first bad row or cell. Returns a copy whose
     * complementary pairs sum to 1 as exactly as doubles allow and whose diagonal is exactly 1/2.
     */
    static double[][] complementaryCopy(String source, int n, double[][] preferences) {
        if (preferences == null) {
            throw new IllegalArgumentException(source + ": no preference matrix");
        }
        if (preferences.length != n) {
            throw new IllegalArgumentException(
                    source + ": P has " + preferences.length + " rows, expected " + n + " (one per response)");
        }
        for (int i = 0; i < n; i++) {
            if (preferences[i] == null) {
                throw new IllegalArgumentException(source + ": row " + i + " is missing");
            }
        }
        for (int i = 0; i < n; i++) {
            if (preferences[i].length != n) {
                throw new IllegalArgumentException(
                        source + ": row " + i + " has " + preferences[i].length + " entries, expected " + n);
            }
        }
        // Every range first, so an entry like 1.3 is reported as such rather than as a broken
        // pair with a cell checked earlier.
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double p = preferences[i][j];
                if (!(p >= 0 && p <= 1)) {
                    throw new IllegalArgumentException(source + ": P[" + i + "][" + j + "] = " + p + " is outside [0, 1]");
                }
            }
        }
        for (int i = 0; i < n; i++) {
            if (Math.abs(preferences[i][i] - 0.5) > PreferenceMatrices.SYMMETRY_TOLERANCE) {
                throw new IllegalArgumentException(
                        source + ": P[" + i + "][" + i + "] = " + preferences[i][i] + ", expected 1/2");
            }
        }
        // Complementarity, with the same message a judge's matrix gets.
        PreferenceMatrices.validate(preferences, source);
        double[][] p = copy(preferences);
        for (int i = 0; i < n; i++) {
            p[i][i] = 0.5;
            for (int j = i + 1; j < n; j++) {
                if (p[i][j] + p[j][i] != 1) {
                    p[i][j] = (p[i][j] + 1 - p[j][i]) / 2;
                    p[j][i] = 1 - p[i][j];
                }
            }
        }
        return p;
    }

    private static double[][] copy(double[][] matrix) {
        double[][] copy = new double[matrix.length][];
        for (int i = 0; i < matrix.length; i++) {
            copy[i] = matrix[i].clone();
        }
        return copy;
    }
}
