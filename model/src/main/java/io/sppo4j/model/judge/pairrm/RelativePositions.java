package io.sppo4j.model.judge.pairrm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * DeBERTa's relative positions: the signed distance {@code i − j} from query i to key j, put into
 * log buckets beyond half the bucket count, and the two index matrices that pick each pair's
 * relative embedding for the content→position (c2p) and position→content (p2c) terms.
 *
 * <p>Follows transformers' {@code make_log_bucket_position}, {@code build_relative_position} and
 * {@code DisentangledSelfAttention.disentangled_attention_bias}
 * ({@code models/deberta_v2/modeling_deberta_v2.py}). Sequences are right-padded, so every row's
 * real tokens sit at positions 0..L-1 and one matrix serves the whole batch.
 */
final class RelativePositions {

    private RelativePositions() {}

    /**
     * The bucket of a distance: itself while |d| ≤ buckets/2, beyond that
     * {@code sign(d) · (⌈log(|d| / mid) / log((maxPosition − 1) / mid) · (mid − 1)⌉ + mid)} with
     * mid = buckets/2. Without buckets ({@code buckets ≤ 0}) the distance itself.
     *
     * <p>transformers evaluates this in float32, we in double; for PairRM's 256 buckets over 512
     * positions the two agree at every |d| below 7000 (the nearest product to an integer is
     * 9·10⁻⁵ away, float32 rounds at 2·10⁻⁵), far beyond the 2048 tokens it reads.
     */
    static long bucket(long distance, int buckets, int maxPosition) {
        if (buckets <= 0 || maxPosition <= 0) {
            return distance;
        }
        long mid = buckets / 2;
        long magnitude = Math.abs(distance);
        if (magnitude <= mid) {
            return distance;
        }
        double scaled = Math.log(magnitude / (double) mid) / Math.log((maxPosition - 1) / (double) mid) * (mid - 1);
        return Long.signum(distance) * ((long) Math.ceil(scaled) + mid);
    }

    /**
     * c2p index of query i and key j: {@code clamp(bucket(i − j) + span, 0, 2·span − 1)}, the row
     * of the relative keys that query i meets key j at.
     *
     * @return (T, T) int64, row-major over (query, key)
     */
    static NDArray contentToPosition(NDManager scope, int length, DebertaV2Config config) {
        return indices(scope, length, config, 1);
    }

    /**
     * p2c index as transformers gathers it: row j (a key) and column i (a query) hold
     * {@code clamp(−bucket(j − i) + span, 0, 2·span − 1)}; the gathered (key, query) scores are
     * transposed afterwards.
     *
     * @return (T, T) int64, row-major over (key, query)
     */
    static NDArray positionToContent(NDManager scope, int length, DebertaV2Config config) {
        return indices(scope, length, config, -1);
    }

    private static NDArray indices(NDManager scope, int length, DebertaV2Config config, int sign) {
        int span = config.attentionSpan();
        long[] index = new long[length * length];
        for (int row = 0; row < length; row++) {
            for (int column = 0; column < length; column++) {
                long relative = sign * bucket(row - column, config.positionBuckets(), config.maxRelativePositions());
                index[row * length + column] = Math.max(0, Math.min(2L * span - 1, relative + span));
            }
        }
        return scope.create(index, new Shape(length, length));
    }
}
