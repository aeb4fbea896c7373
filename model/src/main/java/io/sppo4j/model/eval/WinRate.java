package io.sppo4j.model.eval;

import io.sppo4j.model.judge.PreferenceModel;

import java.util.List;

/**
 * How often one policy's responses beat another's on the same prompts, by a judge: the mean of
 * {@code P(a_i ≻ b_i | x_i)} with a 95% confidence interval from the normal approximation over
 * prompts (scores may be fractional, so a binomial interval would not apply), clipped to [0, 1].
 */
public record WinRate(double mean, double low, double high, int prompts) {

    /** Two-sided 95% quantile of the standard normal. */
    private static final double Z95 = 1.959963984540054;

    public static WinRate judge(PreferenceModel judge, List<String> prompts, List<String> a, List<String> b) {
        if (a.size() != prompts.size() || b.size() != prompts.size()) {
            throw new IllegalArgumentException("one response per prompt from each policy: " + prompts.size()
                    + " prompts, " + a.size() + " and " + b.size() + " responses");
        }
        double[] scores = new double[prompts.size()];
        for (int i = 0; i < scores.length; i++) {
            scores[i] = judge.preferences(prompts.get(i), List.of(a.get(i), b.get(i)))[0][1];
        }
        return of(scores);
    }

    /** The win rate of per-prompt scores in [0, 1]. */
    public static WinRate of(double[] scores) {
        int n = scores.length;
        if (n == 0) {
            throw new IllegalArgumentException("a win rate needs at least one prompt");
        }
        double mean = 0;
        for (double score : scores) {
            mean += score;
        }
        mean /= n;
        double squares = 0;
        for (double score : scores) {
            squares += (score - mean) * (score - mean);
        }
        double halfWidth = n < 2 ? 0.5 : Z95 * Math.sqrt(squares / (n - 1) / n);
        return new WinRate(mean, Math.max(0, mean - halfWidth), Math.min(1, mean + halfWidth), n);
    }
}
