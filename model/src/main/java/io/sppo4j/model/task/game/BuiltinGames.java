package io.sppo4j.model.task.game;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The games that ship with sppo4j, by name, and the generator of random ones. Each built-in has
 * a known equilibrium of a different shape, so training runs show different things:
 * <ul>
 *   <li>{@code rock-paper-scissors}: the pure cycle (entries 0, 1/2, 1); uniform equilibrium.</li>
 *   <li>{@code weighted-rps}: the same cycle with unequal margins, P(rock ≻ scissors) = 0.9,
 *       P(paper ≻ rock) = 0.7, P(scissors ≻ paper) = 0.6; equilibrium (1/7, 4/7, 2/7), weighted
 *       towards paper although scissors is the move that beats it.</li>
 *   <li>{@code random-5}, {@code random-7}: {@link #random} games whose seeds were chosen for a
 *       mixed, clearly non-uniform equilibrium with at least 3 responses in its support.</li>
 *   <li>{@code transitive-4}: {@code a ≻ b ≻ c ≻ d} with margins growing with the rank gap; the
 *       equilibrium is pure ({@code a}), the case where a reward model would do.</li>
 * </ul>
 */
public final class BuiltinGames {

    /** Weight of the antisymmetric (cyclic) part of the built-in random games. */
    static final double RANDOM_INTRANSITIVE_WEIGHT = 1.0;

    /** Weight of the score (transitive) part of the built-in random games. */
    static final double RANDOM_TRANSITIVE_WEIGHT = 0.3;

    /**
     * The first positive seed whose game has an equilibrium on all 5 responses with every probability at
     * least 0.05 and a spread (max − min) of at least 0.15: mixed, yet far from uniform.
     */
    static final long RANDOM_5_SEED = 46;

    /**
     * The first positive seed whose game has an equilibrium on 5 of the 7 responses with the same bounds:
     * a policy must also learn to drop two responses.
     */
    static final long RANDOM_7_SEED = 23;

    private static final Map<String, PreferenceGame> GAMES = builtins();

    private BuiltinGames() {}

    /** Names of the built-in games, in a fixed order. */
    public static List<String> names() {
        return List.copyOf(GAMES.keySet());
    }

    /** The built-in game called {@code name}. */
    public static PreferenceGame get(String name) {
        PreferenceGame game = GAMES.get(name);
        if (game == null) {
            throw new IllegalArgumentException("no built-in game \"" + name + "\"; the built-ins are " + names());
        }
        return game;
    }

    /**
     * A random game on responses {@code r0 .. r(n-1)}: for {@code i < j},
     * <pre>
     *   P[i][j] = clip(1/2 + intransitiveWeight·A[i][j] + transitiveWeight·(s_i − s_j)),   P[j][i] = 1 − P[i][j]
     * </pre>
     * with {@code A[i][j]} uniform in [−1/2, 1/2] (so {@code A} is antisymmetric) and scores
     * {@code s_i} uniform in [0, 1), all drawn from {@code seed}; clip is into [0, 1]. Clipping
     * one triangle and mirroring it keeps every pair exactly complementary. A weight of 0 switches
     * its part off: {@code intransitiveWeight = 0} gives a transitive game.
     */
    public static PreferenceGame random(String name, int n, long seed, double intransitiveWeight, double transitiveWeight) {
        if (n < 1) {
            throw new IllegalArgumentException("a random game needs at least one response, got n = " + n);
        }
        if (!(intransitiveWeight >= 0 && Double.isFinite(intransitiveWeight))
                || !(transitiveWeight >= 0 && Double.isFinite(transitiveWeight))) {
            throw new IllegalArgumentException("the weights must be finite and non-negative, got intransitive "
                    + intransitiveWeight + " and transitive " + transitiveWeight);
        }
        SplittableRandom random = new SplittableRandom(seed);
        double[] score = new double[n];
        for (int i = 0; i < n; i++) {
            score[i] = random.nextDouble();
        }
        double[][] p = new double[n][n];
        for (int i = 0; i < n; i++) {
            p[i][i] = 0.5;
            for (int j = i + 1; j < n; j++) {
                double cyclic = random.nextDouble() - 0.5;
                double raw = 0.5 + intransitiveWeight * cyclic + transitiveWeight * (score[i] - score[j]);
                p[i][j] = Math.min(1, Math.max(0, raw));
                p[j][i] = 1 - p[i][j];
            }
        }
        List<String> responses = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            responses.add("r" + i);
        }
        return new PreferenceGame(name, responses, p);
    }

    private static Map<String, PreferenceGame> builtins() {
        Map<String, PreferenceGame> games = new LinkedHashMap<>();
        add(games, new PreferenceGame("rock-paper-scissors", List.of("rock", "paper", "scissors"), new double[][] {
            {0.5, 0.0, 1.0},
            {1.0, 0.5, 0.0},
            {0.0, 1.0, 0.5},
        }));
        add(games, new PreferenceGame("weighted-rps", List.of("rock", "paper", "scissors"), new double[][] {
            {0.5, 0.3, 0.9},
            {0.7, 0.5, 0.4},
            {0.1, 0.6, 0.5},
        }));
        add(games, random("random-5", 5, RANDOM_5_SEED, RANDOM_INTRANSITIVE_WEIGHT, RANDOM_TRANSITIVE_WEIGHT));
        add(games, random("random-7", 7, RANDOM_7_SEED, RANDOM_INTRANSITIVE_WEIGHT, RANDOM_TRANSITIVE_WEIGHT));
        add(games, new PreferenceGame("transitive-4", List.of("a", "b", "c", "d"), new double[][] {
            {0.5, 0.6, 0.7, 0.8},
            {0.4, 0.5, 0.6, 0.7},
            {0.3, 0.4, 0.5, 0.6},
            {0.2, 0.3, 0.4, 0.5},
        }));
        return games;
    }

    private static void add(Map<String, PreferenceGame> games, PreferenceGame game) {
        games.put(game.name(), game);
    }
}
