package io.sppo4j.model.eval;

import java.util.Arrays;

/**
 * L1-penalised logistic regression on soft labels, as AlpacaEval fits its length-controlled GLM
 * (scikit-learn's {@code LogisticRegressionCV(penalty="l1", solver="liblinear",
 * fit_intercept=False)}, labels in [0, 1] fed as two weighted rows; see
 * {@code fit_LogisticRegressionCV} in {@code src/alpaca_eval/metrics/glm_winrate.py}). It
 * minimises liblinear's objective
 *
 * <pre>  F(β) = ‖β‖₁ + C · Σ_i w_i · [−p_i·log σ(x_i·β) − (1 − p_i)·log(1 − σ(x_i·β))]</pre>
 *
 * by proximal Newton steps (each a quadratic model solved by coordinate descent with soft
 * thresholding, then a backtracking line search), which converges in a few steps for the handful
 * of features a GLM has. No intercept is added: a column of ones plays it, penalised like the rest.
 */
final class SoftLogisticRegression {

    /** scikit-learn's default grid for LogisticRegressionCV: 10 values of C from 1e-4 to 1e4, log-spaced. */
    static final double[] DEFAULT_CS = logSpace(-4, 4, 10);

    private static final int MAX_NEWTON_STEPS = 100;
    private static final int MAX_SWEEPS = 200;
    private static final double TOLERANCE = 1e-10;

    private SoftLogisticRegression() {}

    /**
     * @param x (n, p) design matrix
     * @param p n soft labels in [0, 1]
     * @param w n sample weights ≥ 0
     * @param c inverse penalty strength (liblinear's C)
     * @return the p coefficients
     */
    static double[] fit(double[][] x, double[] p, double[] w, double c) {
        int features = x[0].length;
        double[] beta = new double[features];
        double objective = objective(x, p, w, c, beta);
        for (int step = 0; step < MAX_NEWTON_STEPS; step++) {
            double[] gradient = new double[features];
            double[][] hessian = new double[features][features];
            for (int i = 0; i < x.length; i++) {
                double q = sigmoid(dot(x[i], beta));
                double g = c * w[i] * (q - p[i]);
                double h = c * w[i] * q * (1 - q);
                for (int a = 0; a < features; a++) {
                    gradient[a] += g * x[i][a];
                    for (int b = 0; b < features; b++) {
                        hessian[a][b] += h * x[i][a] * x[i][b];
                    }
                }
            }
            double[] direction = newtonDirection(beta, gradient, hessian);
            double largest = 0;
            for (double d : direction) {
                largest = Math.max(largest, Math.abs(d));
            }
            if (largest < TOLERANCE) {
                break;
            }
            // Sufficient decrease on the whole objective, the L1 term included (newGLMNET's rule).
            double predicted = dot(gradient, direction) + l1(add(beta, direction, 1)) - l1(beta);
            double t = 1;
            double[] next = add(beta, direction, t);
            double nextObjective = objective(x, p, w, c, next);
            while (nextObjective > objective + 0.01 * t * predicted && t > 1e-12) {
                t /= 2;
                next = add(beta, direction, t);
                nextObjective = objective(x, p, w, c, next);
            }
            if (nextObjective > objective) {
                break; // no descent left at machine precision
            }
            boolean converged = objective - nextObjective < TOLERANCE * (1 + Math.abs(objective));
            beta = next;
            objective = nextObjective;
            if (converged) {
                break;
            }
        }
        return beta;
    }

    /**
     * The C of {@code cs} with the lowest held-out soft log loss over {@code folds} folds (row i in
     * fold i mod folds, each row its own group as AlpacaEval's GroupKFold has it); the smallest
     * such C on a tie, as scikit-learn's argmax picks the first.
     */
    static double crossValidatedC(double[][] x, double[] p, double[] w, double[] cs, int folds) {
        int n = x.length;
        int k = Math.min(folds, n);
        if (k < 2) {
            return cs[cs.length - 1];
        }
        double bestLoss = Double.POSITIVE_INFINITY;
        double best = cs[0];
        for (double c : cs) {
            double loss = 0;
            for (int fold = 0; fold < k; fold++) {
                int held = 0;
                for (int i = fold; i < n; i += k) {
                    held++;
                }
                double[][] trainX = new double[n - held][];
                double[] trainP = new double[n - held];
                double[] trainW = new double[n - held];
                for (int i = 0, row = 0; i < n; i++) {
                    if (i % k != fold) {
                        trainX[row] = x[i];
                        trainP[row] = p[i];
                        trainW[row++] = w[i];
                    }
                }
                double[] beta = fit(trainX, trainP, trainW, c);
                double foldLoss = 0;
                double foldWeight = 0;
                for (int i = fold; i < n; i += k) {
                    double q = Math.min(1 - 1e-15, Math.max(1e-15, sigmoid(dot(x[i], beta))));
                    foldLoss -= w[i] * (p[i] * Math.log(q) + (1 - p[i]) * Math.log(1 - q));
                    foldWeight += 1;
                }
                loss += foldLoss / foldWeight / k;
            }
            if (loss < bestLoss - 1e-12) {
                bestLoss = loss;
                best = c;
            }
        }
        return best;
    }

    /** argmin_d gᵀd + ½·dᵀHd + ‖β + d‖₁, by cyclic coordinate descent with soft thresholding. */
    private static double[] newtonDirection(double[] beta, double[] gradient, double[][] hessian) {
        int features = beta.length;
        double[] d = new double[features];
        for (int sweep = 0; sweep < MAX_SWEEPS; sweep++) {
            double change = 0;
            for (int j = 0; j < features; j++) {
                double curvature = hessian[j][j];
                if (curvature <= 0) {
                    continue; // a column of zeros: its coefficient stays where it is
                }
                double linear = gradient[j];
                for (int k = 0; k < features; k++) {
                    if (k != j) {
                        linear += hessian[j][k] * d[k];
                    }
                }
                double target = softThreshold(beta[j] - linear / curvature, 1 / curvature);
                double updated = target - beta[j];
                change = Math.max(change, Math.abs(updated - d[j]));
                d[j] = updated;
            }
            if (change < TOLERANCE) {
                break;
            }
        }
        return d;
    }

    static double objective(double[][] x, double[] p, double[] w, double c, double[] beta) {
        double loss = 0;
        for (int i = 0; i < x.length; i++) {
            double eta = dot(x[i], beta);
            // −p·log σ(η) − (1−p)·log(1−σ(η)), written with softplus to stay finite for large |η|.
            loss += w[i] * (p[i] * softplus(-eta) + (1 - p[i]) * softplus(eta));
        }
        return l1(beta) + c * loss;
    }

    static double sigmoid(double x) {
        return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
    }

    static double dot(double[] a, double[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += a[i] * b[i];
        }
        return sum;
    }

    private static double softplus(double x) {
        return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
    }

    private static double softThreshold(double value, double threshold) {
        return Math.signum(value) * Math.max(0, Math.abs(value) - threshold);
    }

    private static double l1(double[] beta) {
        return Arrays.stream(beta).map(Math::abs).sum();
    }

    private static double[] add(double[] a, double[] b, double scale) {
        double[] sum = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            sum[i] = a[i] + scale * b[i];
        }
        return sum;
    }

    private static double[] logSpace(double from, double to, int count) {
        double[] values = new double[count];
        for (int i = 0; i < count; i++) {
            values[i] = Math.pow(10, from + (to - from) * i / (count - 1));
        }
        return values;
    }
}
