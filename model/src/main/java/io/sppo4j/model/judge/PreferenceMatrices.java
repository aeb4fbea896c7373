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

    /**
     * Share of cyclic triads among the K responses: triples (i, j, k) where the majority
     * preferences run in a circle (i ≻ j ≻ k ≻ i). Zero for any transitive judge; ties
     * (P = 1/2) never close a cycle. NaN for fewer than 3 responses.
     */
    public static double cyclicTriadShare(double[][] preferences) {
        int k = preferences.length;
        if (k < 3) {
            return Double.NaN;
        }
        long triads = 0;
        long cyclic = 0;
        for (int a = 0; a < k; a++) {
            for (int b = a + 1; b < k; b++) {
                for (int c = b + 1; c < k; c++) {
                    triads++;
                    int ab = direction(preferences[a][b]);
                    int bc = direction(preferences[b][c]);
                    int ca = direction(preferences[c][a]);
                    if (ab != 0 && ab == bc && bc == ca) {
                        cyclic++;
                    }
                }
            }
        }
        return (double) cyclic / triads;
    }

    private static int direction(double p) {
        return p > 0.5 ? 1 : p < 0.5 ? -1 : 0;
    }
}
