package io.sppo4j.model.judge;

import java.util.List;

/**
 * The Bradley–Terry judge over a scalar reward model: {@code P(y_i ≻ y_j) = σ(r_i − r_j)}, the
 * very model a reward model is trained under. The K rewards of a group come from one call of the
 * {@link RewardScorer}, so a group costs K scores, not K². Such a judge is transitive by
 * construction; the game-theoretic methods still work with it, they just cannot show their edge.
 *
 * <p>The judge owns its scorer and closes it. Thread safety is the scorer's.
 */
public final class BradleyTerryJudge implements PreferenceModel, AutoCloseable {

    private final String name;
    private final RewardScorer scorer;

    public BradleyTerryJudge(String name, RewardScorer scorer) {
        this.name = name;
        this.scorer = scorer;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public double[][] preferences(String prompt, List<String> responses) {
        int k = responses.size();
        double[] rewards = scorer.rewards(prompt, responses);
        if (rewards.length != k) {
            throw new IllegalArgumentException(
                    "judge " + name + ": the reward model gave " + rewards.length + " rewards for " + k + " responses");
        }
        for (int i = 0; i < k; i++) {
            if (!Double.isFinite(rewards[i])) {
                throw new IllegalArgumentException("judge " + name + ": reward of response " + i + " is " + rewards[i]);
            }
        }
        return fromScores(rewards);
    }

    /**
     * The Bradley–Terry matrix of scores: {@code P[i][j] = σ(s_i − s_j)}, {@code P[i][i] = 1/2}.
     * PairRM's judge uses it too, on its scores from both orders of every pair.
     */
    public static double[][] fromScores(double[] scores) {
        int k = scores.length;
        double[][] p = new double[k][k];
        for (int i = 0; i < k; i++) {
            p[i][i] = 0.5;
            for (int j = i + 1; j < k; j++) {
                p[i][j] = sigmoid(scores[i] - scores[j]);
                // Computed from the other cell so that P[i][j] + P[j][i] = 1 holds exactly.
                p[j][i] = 1 - p[i][j];
            }
        }
        return p;
    }

    /** The logistic function, without overflow for large |x|. */
    static double sigmoid(double x) {
        if (x >= 0) {
            return 1 / (1 + Math.exp(-x));
        }
        double e = Math.exp(x);
        return e / (1 + e);
    }

    @Override
    public void close() {
        scorer.close();
    }
}
