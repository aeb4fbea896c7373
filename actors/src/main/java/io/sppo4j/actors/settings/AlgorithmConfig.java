package io.sppo4j.actors.settings;

import com.typesafe.config.Config;
import io.sppo4j.model.config.ConfigReader;
import io.sppo4j.model.train.Algorithm;

/**
 * The chosen method and its hyper-parameters ({@code sppo4j.algorithm} and its section).
 *
 * @param algorithm the method
 * @param eta SPPO's step size η (sppo, sppo-pair)
 * @param beta the regularisation toward the reference (dpo, ipo, slic, ipo-md, nash-md)
 * @param alpha weight of the reference in the sampling mixture (ipo-md, nash-md)
 * @param winRate how SPPO forms p̂ from a group's preferences (sppo, sppo-pair)
 */
public record AlgorithmConfig(Algorithm algorithm, float eta, float beta, float alpha, WinRate winRate) {

    /** With the win rate over the other samples. */
    public AlgorithmConfig(Algorithm algorithm, float eta, float beta, float alpha) {
        this(algorithm, eta, beta, alpha, WinRate.OTHERS);
    }

    public static AlgorithmConfig from(Config config) {
        Algorithm algorithm = Algorithm.parse(config.getString("sppo4j.algorithm"), "sppo4j.algorithm");
        float eta = new ConfigReader(config, "sppo4j.sppo").floatIn("eta", 1e-6, 1e6);
        return switch (algorithm) {
            case SPPO, SPPO_PAIR -> new AlgorithmConfig(algorithm, eta, Float.NaN, Float.NaN, WinRate.from(config));
            case DPO, IPO, SLIC -> new AlgorithmConfig(
                    algorithm, eta, new ConfigReader(config, "sppo4j." + algorithm.configName()).floatIn("beta", 1e-6, 1e6),
                    Float.NaN);
            case IPO_MD, NASH_MD -> {
                ConfigReader section = new ConfigReader(config, "sppo4j." + algorithm.configName());
                yield new AlgorithmConfig(
                        algorithm, eta, section.floatIn("beta", 1e-6, 1e6), section.floatIn("alpha", 0, 1));
            }
        };
    }

    /** SPPO with step size η: the default method. */
    public static AlgorithmConfig sppo(float eta) {
        return new AlgorithmConfig(Algorithm.SPPO, eta, Float.NaN, Float.NaN);
    }
}
