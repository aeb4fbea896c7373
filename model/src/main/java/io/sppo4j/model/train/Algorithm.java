package io.sppo4j.model.train;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The preference-optimisation methods, named as {@code sppo4j.algorithm} names them. They share
 * rollouts, judges and the learner; they differ in which policy samples, how pairs or targets
 * are drawn from a judged group, and the loss.
 */
public enum Algorithm {
    /** SPPO regression on every response of the group (Wu et al. 2024). */
    SPPO("sppo", Sampling.POLICY, false),
    /** SPPO on the group's best and worst responses only, with their win rates. */
    SPPO_PAIR("sppo-pair", Sampling.POLICY, false),
    /** Online DPO: best vs worst response of the group, against the frozen reference. */
    DPO("dpo", Sampling.POLICY, true),
    /** Online IPO (Calandriello et al. 2024: the self-play form of Nash-MD). */
    IPO("ipo", Sampling.POLICY, true),
    /** Online SLiC-HF: a hinge on the reference-relative margin. */
    SLIC("slic", Sampling.POLICY, true),
    /** Online IPO on samples from the geometric mixture of policy and reference. */
    IPO_MD("ipo-md", Sampling.MIXTURE, true),
    /** Policy samples against mixture samples: a policy-gradient step on P(y ≻ y_mix) − ½, KL to the reference. */
    NASH_MD("nash-md", Sampling.POLICY_AND_MIXTURE, true);

    /** Which distribution the rollout workers sample a group from. */
    public enum Sampling {
        /** All K responses from the policy. */
        POLICY,
        /** All K responses from π_mix ∝ π_θ^(1−α)·π_ref^α. */
        MIXTURE,
        /** The first half from the policy, the second half from the mixture. */
        POLICY_AND_MIXTURE
    }

    private final String configName;
    private final Sampling sampling;
    private final boolean usesReference;

    Algorithm(String configName, Sampling sampling, boolean usesReference) {
        this.configName = configName;
        this.sampling = sampling;
        this.usesReference = usesReference;
    }

    /** The name in configuration and reports, e.g. {@code ipo-md}. */
    public String configName() {
        return configName;
    }

    public Sampling sampling() {
        return sampling;
    }

    /** Whether the loss needs log π_ref, i.e. the learner keeps a frozen reference policy. */
    public boolean usesReference() {
        return usesReference;
    }

    /** Parses a configured name; the error lists the valid ones. */
    public static Algorithm parse(String name, String key) {
        for (Algorithm algorithm : values()) {
            if (algorithm.configName.equals(name.trim().toLowerCase(Locale.ROOT))) {
                return algorithm;
            }
        }
        throw new IllegalArgumentException(key + ": unknown algorithm '" + name + "'; available: " + names());
    }

    public static List<String> names() {
        return Arrays.stream(values()).map(Algorithm::configName).toList();
    }
}
