package io.sppo4j.actors.data;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * K responses sampled for one prompt by one weight version.
 *
 * @param creditId the credit this group spends
 * @param prompt prompt text
 * @param promptTokens prompt token ids as the policy saw them (BOS first)
 * @param samples the K responses, all from {@code version}
 * @param version weight version that sampled every response of the group
 * @param worker name of the rollout worker
 * @param sampledAtMillis wall-clock time the group finished sampling
 * @param samplingMillis time spent sampling the batch this group was part of
 */
public record RolloutGroup(
        long creditId,
        String prompt,
        int[] promptTokens,
        List<Sample> samples,
        long version,
        String worker,
        long sampledAtMillis,
        long samplingMillis) {

    public RolloutGroup {
        samples = List.copyOf(samples);
        Objects.requireNonNull(promptTokens, "promptTokens");
    }

    public int size() {
        return samples.size();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof RolloutGroup that
                && creditId == that.creditId
                && prompt.equals(that.prompt)
                && Arrays.equals(promptTokens, that.promptTokens)
                && samples.equals(that.samples)
                && version == that.version
                && worker.equals(that.worker)
                && sampledAtMillis == that.sampledAtMillis
                && samplingMillis == that.samplingMillis;
    }

    @Override
    public int hashCode() {
        return Objects.hash(creditId, prompt, Arrays.hashCode(promptTokens), samples, version, worker);
    }

    @Override
    public String toString() {
        return "RolloutGroup[credit " + creditId + ", '" + prompt + "', " + samples.size() + " samples, v" + version
                + ", " + worker + "]";
    }
}
