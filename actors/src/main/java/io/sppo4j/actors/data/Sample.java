package io.sppo4j.actors.data;

import java.util.Arrays;
import java.util.Objects;

/**
 * One sampled response.
 *
 * @param tokens response token ids, the EOS included when the response ended with it
 * @param text decoded response
 * @param policyLogProb log π_t(y|x) under the sampling policy at temperature 1 without
 *     truncation: the anchor of SPPO's regression
 * @param samplingLogProb log-probability under the distribution actually sampled (temperature,
 *     top-k, top-p applied)
 * @param fromMixture drawn from the geometric mixture of policy and reference rather than the
 *     policy (IPO-MD, Nash-MD); then {@code policyLogProb} is under the mixture
 */
public record Sample(int[] tokens, String text, float policyLogProb, float samplingLogProb, boolean fromMixture) {

    public Sample {
        Objects.requireNonNull(tokens, "tokens");
        Objects.requireNonNull(text, "text");
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Sample that
                && Arrays.equals(tokens, that.tokens)
                && text.equals(that.text)
                && Float.compare(policyLogProb, that.policyLogProb) == 0
                && Float.compare(samplingLogProb, that.samplingLogProb) == 0
                && fromMixture == that.fromMixture;
    }

    @Override
    public int hashCode() {
        return Objects.hash(Arrays.hashCode(tokens), text, policyLogProb, samplingLogProb, fromMixture);
    }

    @Override
    public String toString() {
        return "Sample[" + tokens.length + " tokens, '" + text + "', logp=" + policyLogProb
                + (fromMixture ? ", mixture" : "") + "]";
    }
}
