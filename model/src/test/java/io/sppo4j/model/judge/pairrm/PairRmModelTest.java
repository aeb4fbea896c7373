package io.sppo4j.model.judge.pairrm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import io.sppo4j.model.weights.TensorDType;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The DeBERTa-v2 encoder and PairRM head against the plain-Java forward pass, on tiny random checkpoints. */
class PairRmModelTest {

    static final int PIECES = 120;

    /** Variants that between them exercise every switch of the disentangled attention. */
    enum Variant {
        /** PairRM's own: shared key, both terms, log buckets (8 over 16 positions), normalised relative embeddings. */
        PAIRRM_LIKE(new RandomPairRm.Shape(32, 2, 4, 48, 8, 16, true, List.of("p2c", "c2p"), true, 2, PIECES)),
        /** Own pos_key_proj, content→position only, plain clamped distances (no buckets), raw embeddings. */
        C2P_OWN_PROJECTION(new RandomPairRm.Shape(32, 2, 4, 48, -1, 6, false, List.of("c2p"), false, 1, PIECES)),
        /** Own pos_query_proj, position→content only, 4 buckets over 10 positions. */
        P2C_OWN_PROJECTION(new RandomPairRm.Shape(32, 2, 2, 40, 4, 10, false, List.of("p2c"), true, 1, PIECES));

        final RandomPairRm.Shape shape;

        Variant(RandomPairRm.Shape shape) {
            this.shape = shape;
        }
    }

    @TempDir
    Path dir;

    @Test
    void bucketsFollowTheLogFormula() {
        long[][] small = {{3, 3}, {4, 4}, {5, 5}, {6, 5}, {8, 6}, {15, 7}, {16, 8}, {20, 8}, {29, 9}, {-5, -5}, {-20, -8}};
        for (long[] pair : small) {
            assertEquals(pair[1], RelativePositions.bucket(pair[0], 8, 16), "distance " + pair[0]);
        }
        long[][] pairRm = {{128, 128}, {-128, -128}, {129, 129}, {200, 169}, {511, 255}, {1000, 317}, {2047, 383}, {-2047, -383}};
        for (long[] pair : pairRm) {
            assertEquals(pair[1], RelativePositions.bucket(pair[0], 256, 512), "distance " + pair[0]);
        }
        assertEquals(-37, RelativePositions.bucket(-37, -1, 512), "no buckets: the distance itself");
        for (int[] setting : new int[][] {{8, 16}, {4, 10}, {256, 512}, {-1, 6}}) {
            for (long d = -3000; d <= 3000; d++) {
                assertEquals(NaiveDeberta.bucket(d, setting[0], setting[1]), RelativePositions.bucket(d, setting[0], setting[1]));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Variant.class)
    void logitsMatchThePlainJavaForwardPass(Variant variant) throws IOException {
        Path model = dir.resolve(variant.name());
        RandomPairRm.write(model, variant.shape, TensorDType.F32, 17);
        NaiveDeberta naive = new NaiveDeberta(model);
        List<PairRmModel.Comparison> comparisons = comparisons(variant.shape, new Random(5), 6);
        try (PairRmModel pairRm = PairRmModel.load(model, Device.cpu(), DataType.FLOAT32)) {
            double[] batched = pairRm.logits(comparisons);
            double largest = 0;
            for (int i = 0; i < comparisons.size(); i++) {
                PairRmModel.Comparison c = comparisons.get(i);
                double expected = naive.logit(c.ids(), c.source(), c.candidate1(), c.candidate2());
                assertEquals(expected, batched[i], 1e-4, variant + " comparison " + i + " (" + c.ids().length + " tokens)");
                // Alone, without padding, the same.
                assertEquals(batched[i], pairRm.logits(List.of(c))[0], 1e-5, "comparison " + i + " alone");
                largest = Math.max(largest, Math.abs(expected));
            }
            assertTrue(largest > 0.05, "the logits are all near 0 (" + largest + "): the check would not bite");
        }
    }

    @Test
    void float16StaysCloseToFloat32() throws IOException {
        RandomPairRm.Shape shape = Variant.PAIRRM_LIKE.shape;
        RandomPairRm.write(dir, shape, TensorDType.BF16, 23);
        List<PairRmModel.Comparison> comparisons = comparisons(shape, new Random(9), 4);
        double[] full;
        try (PairRmModel pairRm = PairRmModel.load(dir, Device.cpu(), DataType.FLOAT32)) {
            full = pairRm.logits(comparisons);
        }
        try (PairRmModel pairRm = PairRmModel.load(dir, Device.cpu(), DataType.FLOAT16)) {
            double[] half = pairRm.logits(comparisons);
            for (int i = 0; i < full.length; i++) {
                assertEquals(full[i], half[i], 0.01 + 0.01 * Math.abs(full[i]), "comparison " + i);
            }
        }
    }

    /** Random comparisons laid out as PairRM's input, 7 to 31 tokens each, sequences of different lengths. */
    static List<PairRmModel.Comparison> comparisons(RandomPairRm.Shape shape, Random random, int count) {
        int source = shape.unigramPieces() + 1;
        List<PairRmModel.Comparison> comparisons = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            comparisons.add(PairRmJudge.layout(part(source, 1 + random.nextInt(8), random),
                    part(source + 1, random.nextInt(10), random), part(source + 2, random.nextInt(10), random)));
        }
        return comparisons;
    }

    /** [CLS] prefix body… [SEP] with body ids drawn from the text pieces. */
    private static int[] part(int prefix, int bodyLength, Random random) {
        int[] ids = new int[bodyLength + 3];
        ids[0] = 1;
        ids[1] = prefix;
        for (int i = 0; i < bodyLength; i++) {
            ids[i + 2] = 4 + random.nextInt(PIECES - 4);
        }
        ids[ids.length - 1] = 2;
        return ids;
    }
}
