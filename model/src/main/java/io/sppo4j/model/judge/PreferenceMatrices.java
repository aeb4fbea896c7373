package io.sppo4j.model.judge;

/** Checks on and statistics of preference matrices. */
public final class PreferenceMatrices {

    /** Tolerance on {@code P[i][j] + P[j][i] = 1}. */
    public static final double SYMMETRY_TOLERANCE = 1e-6;

    private PreferenceMatrices() {}

    /**
     * The win rate of each response against the others, {@code p̂_i = mean_{j≠i} P[i][j]}: the
     * group's estimate of {@code P(y_i ≻ π_t | x)}.
     */
    public static double[] winRates(double[][] preferences) {
        int k = preferences.length;
        if (k < 2) {
            throw new IllegalArgumentException("win rates need at least 2 responses, got " + k);
        }
        double[] rates = new double[k];
        for (int i = 0; i < k; i++) {
            double sum = 0;
            for (int j = 0; j < k; j++) {
                if (j != i) {
                    sum += preferences[i][j];
                }
            }
            rates[i] = sum / (k - 1);
        }
        return rates;
    }

    /**
     * Throws unless the matrix is square, in [0, 1], with {@code P[i][i] = 1/2} and
     * {@code P[i][j] + P[j][i] = 1}; the message names the first bad cell.
     */
    public static void validate(double[][] preferences, String source) {
        int k = preferences.length;
        for (int i = 0; i < k; i++) {
            if (preferences[i].length != k) {
                throw new IllegalArgumentException(
                        source + ": row " + i + " has " + preferences[i].length + " entries, expected " + k);
            }
        }
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                double p = preferences[i][j];
                if (!(p >= 0 && p <= 1)) {
                    throw new IllegalArgumentException(source + ": P[" + i + "][" + j + "] = " + p + " is outside [0, 1]");
                }
                if (Math.abs(p + preferences[j][i] - 1) > SYMMETRY_TOLERANCE) {
                    throw new IllegalArgumentException(
                            source + ": P[" + i + "][" + j + "] + P[" + j + "][" + i + "] = "
                                    + (p + preferences[j][i]) + ", expected 1");
                }
            }
        }
    }
}
