package io.sppo4j.model.task.game;

import io.sppo4j.model.judge.PreferenceMatrices;

import org.ojalgo.optimisation.Expression;
import org.ojalgo.optimisation.ExpressionsBasedModel;
import org.ojalgo.optimisation.Optimisation;
import org.ojalgo.optimisation.Variable;

/**
 * A Nash equilibrium of a preference game by linear programming (ojAlgo): the maximin strategy
 * <pre>
 *   maximise v  subject to  Σ_i π_i P[i][y] ≥ v  for every y,   Σ_i π_i = 1,   π ≥ 0.
 * </pre>
 * The game is symmetric and constant-sum, so the optimum is {@code v = 1/2} and any optimal
 * {@code π} is an equilibrium strategy for either player.
 *
 * <p>Equilibria need not be unique (a response that ties with everything, for instance, can be
 * mixed in freely); the solver returns whichever optimal vertex the simplex method reaches, which
 * is deterministic for a given matrix but not otherwise distinguished. Measure a policy with
 * {@link Exploitability}, which does not depend on which equilibrium is chosen, rather than by its
 * distance to this one.
 */
public final class NashSolver {

    /**
     * LP entries below this are solver noise, not play: they are set to 0 before the strategy
     * is renormalised. Moving this much mass changes exploitability by at most this much.
     */
    public static final double ZERO = 1e-12;

    private NashSolver() {}

    /** An equilibrium strategy of {@code game}. */
    public static double[] solve(PreferenceGame game) {
        return solve(game.preferences());
    }

    /**
     * An equilibrium strategy: a distribution over the rows of {@code preferences}, which must be a
     * valid preference matrix. Throws {@link IllegalStateException} if the LP solver fails.
     */
    public static double[] solve(double[][] preferences) {
        PreferenceMatrices.validate(preferences, "Nash solver input");
        int n = preferences.length;
        if (n == 0) {
            throw new IllegalArgumentException("Nash solver input: a game needs at least one response");
        }
        ExpressionsBasedModel model = new ExpressionsBasedModel();
        Variable[] pi = new Variable[n];
        for (int i = 0; i < n; i++) {
            pi[i] = model.addVariable("pi" + i).lower(0).upper(1);
        }
        // v is a win rate, so [0, 1] bounds it without cutting off the optimum (1/2).
        Variable v = model.addVariable("v").lower(0).upper(1).weight(1);
        Expression total = model.addExpression("sum").level(1);
        for (int i = 0; i < n; i++) {
            total.set(pi[i], 1);
        }
        for (int y = 0; y < n; y++) {
            Expression against = model.addExpression("against" + y).lower(0);
            for (int i = 0; i < n; i++) {
                against.set(pi[i], preferences[i][y]);
            }
            against.set(v, -1);
        }
        Optimisation.Result result = model.maximise();
        if (!result.getState().isOptimal()) {
            throw new IllegalStateException("the LP for a Nash equilibrium of a " + n + "×" + n
                    + " preference matrix ended " + result.getState() + " rather than OPTIMAL");
        }
        double[] strategy = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double p = result.doubleValue(i);
            if (!Double.isFinite(p)) {
                throw new IllegalStateException("the LP for a Nash equilibrium returned π_" + i + " = " + p);
            }
            strategy[i] = p < ZERO ? 0 : p;
            sum += strategy[i];
        }
        if (!(sum > 0.5)) {
            // Bounded in [0, 1] with Σ π = 1, an optimal answer cannot sum to this little.
            throw new IllegalStateException("the LP for a Nash equilibrium returned a strategy summing to " + sum);
        }
        for (int i = 0; i < n; i++) {
            strategy[i] /= sum;
        }
        return strategy;
    }
}
