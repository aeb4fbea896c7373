package io.sppo4j.actors.settings;

import com.typesafe.config.Config;
import io.sppo4j.model.config.ConfigReader;
import io.sppo4j.model.judge.PreferenceMatrices;

import java.util.Locale;

/**
 * How SPPO turns a group's K×K preference matrix P into the win rates p̂ its targets
 * η(p̂ − ½) use ({@code sppo4j.sppo.win-rate}).
 *
 * <p>{@code OTHERS}: p̂_i = mean over j ≠ i of P_ij, the estimate of P(y_i ≻ π_t) from the other
 * samples. {@code OFFICIAL}: p̂_i = (Σ_{j≠i} P_ij + ½) / K, the mean over j including j = i with
 * P_ii = ½, as uclaml/SPPO's {@code scripts/compute_prob.py} forms it; it equals
 * ((K − 1)·p̂_others + ½) / K, so it orders the responses alike and shrinks every target by
 * (K − 1)/K.
 */
public enum WinRate {
    OTHERS,
    OFFICIAL;

    public static WinRate from(Config config) {
        ConfigReader sppo = new ConfigReader(config, "sppo4j.sppo");
        String name = sppo.getString("win-rate").toLowerCase(Locale.ROOT);
        sppo.check(name.equals("others") || name.equals("official"),
                "win-rate", "expected official or others, got '" + name + "'");
        return valueOf(name.toUpperCase(Locale.ROOT));
    }

    /** p̂ of every response of a group from its preference matrix (K ≥ 2, P[i][j] = P(y_i ≻ y_j)). */
    public double[] of(double[][] preferences) {
        double[] rates = PreferenceMatrices.winRates(preferences); // the mean over j ≠ i
        if (this == OFFICIAL) {
            int k = preferences.length;
            for (int i = 0; i < k; i++) {
                rates[i] = ((k - 1) * rates[i] + 0.5) / k;
            }
        }
        return rates;
    }
}
