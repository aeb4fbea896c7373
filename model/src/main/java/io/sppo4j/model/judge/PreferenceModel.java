package io.sppo4j.model.judge;

import java.util.List;

/**
 * A judge: for one prompt and K responses, the K×K matrix {@code P[i][j] = P(y_i ≻ y_j | x)}
 * with {@code P[i][j] + P[j][i] = 1} and {@code P[i][i] = 1/2}. Preferences need not be
 * transitive, which is the point of the game-theoretic methods.
 */
public interface PreferenceModel {

    /** Short name for logs and metrics, e.g. {@code sort-rule}. */
    String name();

    double[][] preferences(String prompt, List<String> responses);
}
