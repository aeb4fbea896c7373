package io.sppo4j.model.judge.pairrm;

import ai.djl.Device;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * PairRM logits of whole id sequences for tests: this loader's on the CPU ({@link PairRmSequences})
 * and the plain-Java reference's.
 */
public final class PairRmFixtures {

    private PairRmFixtures() {}

    /** This loader's logits, all sequences in one padded batch. */
    public static double[] logits(Path directory, int[][] sequences) throws IOException {
        return PairRmSequences.logits(directory, Device.cpu(), sequences);
    }

    /** The plain-Java reference's logits, one sequence at a time. */
    public static double[] naiveLogits(Path directory, int[][] sequences) throws IOException {
        NaiveDeberta naive = new NaiveDeberta(directory);
        double[] logits = new double[sequences.length];
        List<PairRmModel.Comparison> comparisons = PairRmSequences.comparisons(directory, sequences);
        for (int i = 0; i < logits.length; i++) {
            PairRmModel.Comparison c = comparisons.get(i);
            logits[i] = naive.logit(c.ids(), c.source(), c.candidate1(), c.candidate2());
        }
        return logits;
    }
}
