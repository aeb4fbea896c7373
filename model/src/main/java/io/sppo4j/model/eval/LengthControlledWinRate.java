package io.sppo4j.model.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * AlpacaEval 2.0's length-controlled win rate (Dubois et al. 2024; {@code length_controlled_v1}
 * in {@code src/alpaca_eval/metrics/glm_winrate.py} of tatsu-lab/alpaca_eval): the win rate a
 * policy would have if its responses were as long as the reference's.
 *
 * <p>A logistic GLM is fitted to the judge's soft preferences p_x = P(policy ≻ reference | x):
 *
 * <pre>  logit p_x = θ + φ·tanh(Δ_x / sd(Δ)) [+ ψ·γ_x]</pre>
 *
 * where Δ_x is the policy's response length minus the reference's, in characters (AlpacaEval
 * takes reference minus policy, which only flips φ's sign), sd is the sample standard deviation
 * over the prompts, and the length-controlled win rate is the prediction with the length term at
 * zero: σ(θ), or mean_x σ(θ + ψ·γ_x) with the instruction term.
 *
 * <p><b>The instruction term.</b> With outputs of several policies on the same prompts, each
 * prompt gets a difficulty γ_x = logit(mean over policies of p_x) (clipped to [0.001, 0.999]) as
 * AlpacaEval's notebooks compute it when no precomputed difficulty is given
 * ({@code make_data} in {@code notebooks/helpers.py}), and each policy's GLM gets the feature
 * with its own coefficient ψ. With one policy the term is left out: γ_x would be p_x itself.
 *
 * <p><b>Regularisation, as AlpacaEval's.</b> No free intercept: the column of ones is penalised
 * like the others, by an L1 penalty whose strength C is chosen by 5-fold cross-validation on the
 * soft log loss over C ∈ logspace(−4, 4, 10), then refitted on all prompts
 * ({@code LogisticRegressionCV(penalty="l1", solver="liblinear", fit_intercept=False)}). Not
 * reproduced: AlpacaEval also adds the annotations of the reference prompted to be verbose and
 * concise (weight 0.2/2) to anchor φ; those outputs do not exist here.
 *
 * <p><b>Interval.</b> A percentile bootstrap over prompts (1000 resamples by default, seeded),
 * refitting at the chosen C; sd(Δ) is recomputed on each resample, γ_x travels with its prompt.
 *
 * @param value the length-controlled win rate
 * @param low 2.5% bootstrap percentile
 * @param high 97.5% bootstrap percentile
 * @param lengthCoefficient φ, on tanh of the standardised length difference (positive: the judge
 *     prefers the longer response)
 * @param intercept θ
 * @param instructionCoefficient ψ, 0 without the instruction term
 * @param penalty the chosen C
 */
public record LengthControlledWinRate(double value, double low, double high, double lengthCoefficient, double intercept,
        double instructionCoefficient, double penalty) {

    /** Bootstrap resamples unless told otherwise. */
    public static final int BOOTSTRAP = 1000;

    private static final double DIFFICULTY_CLIP = 1e-3;
    private static final int FOLDS = 5;

    /**
     * One policy's judged outputs against the reference, prompt by prompt.
     *
     * @param preferences P(policy ≻ reference | x) per prompt
     * @param policyLengths response lengths in characters
     * @param referenceLengths the reference's response lengths in characters
     */
    public record Outcomes(double[] preferences, int[] policyLengths, int[] referenceLengths) {
        public Outcomes {
            if (preferences.length != policyLengths.length || preferences.length != referenceLengths.length) {
                throw new IllegalArgumentException("one preference and two lengths per prompt: " + preferences.length + ", "
                        + policyLengths.length + ", " + referenceLengths.length);
            }
            for (int i = 0; i < preferences.length; i++) {
                if (!(preferences[i] >= 0 && preferences[i] <= 1)) {
                    throw new IllegalArgumentException("preference " + i + " is " + preferences[i] + ", outside [0, 1]");
                }
            }
        }

        int prompts() {
            return preferences.length;
        }
    }

    /** The length-controlled win rate of one policy (no instruction term). */
    public static LengthControlledWinRate of(Outcomes outcomes, long seed) {
        return of(List.of(outcomes), seed, BOOTSTRAP).get(0);
    }

    /**
     * The length-controlled win rate of each policy, all judged against the same reference on the
     * same prompts (in the same order); with two or more, each fit has the instruction term.
     */
    public static List<LengthControlledWinRate> of(List<Outcomes> policies, long seed, int resamples) {
        if (policies.isEmpty() || policies.get(0).prompts() < 2) {
            throw new IllegalArgumentException("a length-controlled win rate needs at least 2 prompts");
        }
        int n = policies.get(0).prompts();
        for (Outcomes outcomes : policies) {
            if (outcomes.prompts() != n) {
                throw new IllegalArgumentException("every policy must be judged on the same " + n + " prompts, got "
                        + outcomes.prompts());
            }
        }
        double[] difficulty = policies.size() > 1 ? difficulty(policies) : null;
        List<LengthControlledWinRate> results = new ArrayList<>();
        SplittableRandom random = new SplittableRandom(seed);
        for (Outcomes outcomes : policies) {
            int[] all = new int[n];
            Arrays.setAll(all, i -> i);
            Design design = Design.of(outcomes, difficulty, all);
            double c = SoftLogisticRegression.crossValidatedC(design.x(), design.p(), design.w(), SoftLogisticRegression.DEFAULT_CS,
                    FOLDS);
            double[] beta = SoftLogisticRegression.fit(design.x(), design.p(), design.w(), c);
            double[] boot = new double[resamples];
            for (int b = 0; b < resamples; b++) {
                int[] sample = new int[n];
                for (int i = 0; i < n; i++) {
                    sample[i] = random.nextInt(n);
                }
                Design resampled = Design.of(outcomes, difficulty, sample);
                boot[b] = predict(SoftLogisticRegression.fit(resampled.x(), resampled.p(), resampled.w(), c), difficulty, sample);
            }
            Arrays.sort(boot);
            double value = predict(beta, difficulty, all);
            double low = resamples == 0 ? value : percentile(boot, 0.025);
            double high = resamples == 0 ? value : percentile(boot, 0.975);
            results.add(new LengthControlledWinRate(value, low, high, beta[1], beta[0], difficulty == null ? 0 : beta[2], c));
        }
        return results;
    }

    /** mean_x σ(θ + ψ·γ_x) over the given prompts: the GLM with no length difference. */
    private static double predict(double[] beta, double[] difficulty, int[] prompts) {
        if (difficulty == null) {
            return SoftLogisticRegression.sigmoid(beta[0]);
        }
        double sum = 0;
        for (int x : prompts) {
            sum += SoftLogisticRegression.sigmoid(beta[0] + beta[2] * difficulty[x]);
        }
        return sum / prompts.length;
    }

    /** γ_x = logit(mean over policies of p_x), clipped so that a unanimous prompt stays finite. */
    private static double[] difficulty(List<Outcomes> policies) {
        int n = policies.get(0).prompts();
        double[] gamma = new double[n];
        for (int x = 0; x < n; x++) {
            double mean = 0;
            for (Outcomes outcomes : policies) {
                mean += outcomes.preferences()[x] / policies.size();
            }
            mean = Math.min(1 - DIFFICULTY_CLIP, Math.max(DIFFICULTY_CLIP, mean));
            gamma[x] = Math.log(mean / (1 - mean));
        }
        return gamma;
    }

    /** Linear interpolation between order statistics, numpy's default percentile. */
    private static double percentile(double[] sorted, double q) {
        double position = q * (sorted.length - 1);
        int below = (int) Math.floor(position);
        int above = Math.min(sorted.length - 1, below + 1);
        return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
    }

    /** The GLM's rows for some prompts: [1, tanh(Δ/sd(Δ)) (, γ_x)], soft labels, unit weights. */
    private record Design(double[][] x, double[] p, double[] w) {

        static Design of(Outcomes outcomes, double[] difficulty, int[] prompts) {
            int n = prompts.length;
            double[] delta = new double[n];
            double mean = 0;
            for (int i = 0; i < n; i++) {
                delta[i] = outcomes.policyLengths()[prompts[i]] - outcomes.referenceLengths()[prompts[i]];
                mean += delta[i] / n;
            }
            double squares = 0;
            for (double d : delta) {
                squares += (d - mean) * (d - mean);
            }
            double sd = n > 1 ? Math.sqrt(squares / (n - 1)) : 0;
            double[][] x = new double[n][difficulty == null ? 2 : 3];
            double[] p = new double[n];
            double[] w = new double[n];
            for (int i = 0; i < n; i++) {
                x[i][0] = 1;
                // All lengths differing by the same amount leave nothing to standardise: no length feature.
                x[i][1] = sd > 0 ? Math.tanh(delta[i] / sd) : 0;
                if (difficulty != null) {
                    x[i][2] = difficulty[prompts[i]];
                }
                p[i] = outcomes.preferences()[prompts[i]];
                w[i] = 1;
            }
            return new Design(x, p, w);
        }
    }
}
