package io.sppo4j.model.judge.pairrm;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * PairRM logits of whole id sequences, for tests outside this package (HfFixturesTest compares
 * them with transformers'): the positions of the three prefix tokens are found from the ids
 * config.json gives them, as DebertaV2PairRM finds them.
 */
public final class PairRmFixtures {

    private PairRmFixtures() {}

    /** This loader's logits, all sequences in one padded batch. */
    public static double[] logits(Path directory, int[][] sequences) throws IOException {
        try (PairRmModel model = PairRmModel.load(directory, Device.cpu(), DataType.FLOAT32)) {
            return model.logits(comparisons(directory, sequences));
        }
    }

    /** The plain-Java reference's logits, one sequence at a time. */
    public static double[] naiveLogits(Path directory, int[][] sequences) throws IOException {
        NaiveDeberta naive = new NaiveDeberta(directory);
        double[] logits = new double[sequences.length];
        List<PairRmModel.Comparison> comparisons = comparisons(directory, sequences);
        for (int i = 0; i < logits.length; i++) {
            PairRmModel.Comparison c = comparisons.get(i);
            logits[i] = naive.logit(c.ids(), c.source(), c.candidate1(), c.candidate2());
        }
        return logits;
    }

    private static List<PairRmModel.Comparison> comparisons(Path directory, int[][] sequences) throws IOException {
        JsonObject config = JsonParser.parseString(Files.readString(directory.resolve("config.json"))).getAsJsonObject();
        List<PairRmModel.Comparison> comparisons = new ArrayList<>();
        for (int[] ids : sequences) {
            comparisons.add(new PairRmModel.Comparison(ids, position(ids, config.get("source_prefix_id").getAsInt()),
                    position(ids, config.get("cand1_prefix_id").getAsInt()),
                    position(ids, config.get("cand2_prefix_id").getAsInt())));
        }
        return comparisons;
    }

    private static int position(int[] ids, int token) {
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] == token) {
                return i;
            }
        }
        throw new IllegalArgumentException("prefix token " + token + " is not in the sequence");
    }
}
