package io.sppo4j.model.judge.pairrm;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * PairRM logits of whole id sequences already laid out as LLM-Blender lays them out (the
 * transformers cross-check and {@code sppo check-fixtures} compare these): the positions of the
 * three prefix tokens are found from the ids config.json gives them, as DebertaV2PairRM finds them.
 */
public final class PairRmSequences {

    private PairRmSequences() {}

    /** The logits of {@code sequences}, all in one padded batch, computed in FP32 on {@code device}. */
    public static double[] logits(Path directory, Device device, int[][] sequences) throws IOException {
        List<PairRmModel.Comparison> comparisons = comparisons(directory, sequences);
        try (PairRmModel model = PairRmModel.load(directory, device, DataType.FLOAT32)) {
            return model.logits(comparisons);
        }
    }

    /** Each sequence with the positions of its source, first and second candidate prefixes. */
    static List<PairRmModel.Comparison> comparisons(Path directory, int[][] sequences) throws IOException {
        Path file = directory.resolve("config.json");
        JsonObject config = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
        int source = prefix(config, "source_prefix_id", file);
        int candidate1 = prefix(config, "cand1_prefix_id", file);
        int candidate2 = prefix(config, "cand2_prefix_id", file);
        List<PairRmModel.Comparison> comparisons = new ArrayList<>();
        for (int i = 0; i < sequences.length; i++) {
            int[] ids = sequences[i];
            comparisons.add(new PairRmModel.Comparison(ids, position(ids, source, i), position(ids, candidate1, i),
                    position(ids, candidate2, i)));
        }
        return comparisons;
    }

    private static int prefix(JsonObject config, String key, Path file) {
        JsonElement value = config.get(key);
        if (value == null || !value.isJsonPrimitive()) {
            throw new IllegalArgumentException(file + ": '" + key + "' is missing (a PairRM config names its prefix tokens)");
        }
        return value.getAsInt();
    }

    private static int position(int[] ids, int token, int sequence) {
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] == token) {
                return i;
            }
        }
        throw new IllegalArgumentException("prefix token " + token + " is not in sequence " + sequence);
    }
}
