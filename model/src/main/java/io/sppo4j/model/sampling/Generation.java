package io.sppo4j.model.sampling;

import java.util.List;

/**
 * Sequences produced by one batched sampling call, in prompt order.
 *
 * @param sequences one per prompt
 * @param steps decoding steps run (the longest sequence's length)
 */
public record Generation(List<Sequence> sequences, int steps) {

    /** Generated tokens over all sequences. */
    public long tokenCount() {
        long count = 0;
        for (Sequence sequence : sequences) {
            count += sequence.tokens().length;
        }
        return count;
    }

    /**
     * One generated response.
     *
     * @param tokens generated ids, the EOS included when the sequence ended with one
     * @param samplingLogProbs per token, log-probability under the distribution actually sampled
     *     (after temperature, top-k and top-p); 0 for greedy choices
     * @param policyLogProbs per token, log-probability under the source at temperature 1 without
     *     truncation: for a policy, log π(y_t | x, y_<t), what SPPO's regression anchors on
     * @param endedWithEos whether the sequence stopped at EOS rather than at the token limit
     */
    public record Sequence(int[] tokens, float[] samplingLogProbs, float[] policyLogProbs, boolean endedWithEos) {

        public double samplingLogProb() {
            return sum(samplingLogProbs);
        }

        public double policyLogProb() {
            return sum(policyLogProbs);
        }

        private static double sum(float[] values) {
            double total = 0;
            for (float value : values) {
                total += value;
            }
            return total;
        }
    }
}
