package io.sppo4j.model.crosscheck;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.sppo4j.model.hf.HfCausalModel;
import io.sppo4j.model.hf.HfModels;
import io.sppo4j.model.hf.HfRewardModel;
import io.sppo4j.model.judge.pairrm.PairRmSequences;
import io.sppo4j.model.nd.Autograd;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * Our outputs against transformers' own, on the checkpoints {@code model/src/test/python/make_hf_fixtures.py}
 * writes: each fixture directory holds {@code save_pretrained}'s files and a {@code reference.json}
 * with the logits (causal LMs), rewards (reward models) or PairRM comparison logits transformers computed. One comparison
 * serves {@code HfFixturesTest} and {@code sppo check-fixtures} (which runs it on a GPU machine
 * without Maven).
 */
public final class TransformersFixtures {

    /** Largest |ours - transformers| accepted, in logits or rewards (FP32 compute both sides). */
    public static final double TOLERANCE = 1e-4;

    public static final String REFERENCE = "reference.json";

    private TransformersFixtures() {}

    /**
     * One fixture's result.
     *
     * @param directory the fixture
     * @param kind {@code logit} or {@code reward}
     * @param transformers the transformers version that wrote the reference
     * @param values how many numbers were compared
     * @param maxAbsDifference the largest |ours - transformers| (NaN if either side was NaN)
     */
    public record Comparison(Path directory, String kind, String transformers, int values, double maxAbsDifference) {

        public boolean matches() {
            return maxAbsDifference <= TOLERANCE; // false for NaN
        }

        public String describe() {
            return directory + ": max |" + kind + " - transformers| = " + maxAbsDifference + " over " + values
                    + " values (tolerance " + TOLERANCE + ", transformers " + transformers + ")";
        }
    }

    /** The fixture directories under {@code root} (those holding a reference.json), sorted; none if it is absent. */
    public static List<Path> find(Path root) throws IOException {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(root)) {
            return entries.filter(dir -> Files.isRegularFile(dir.resolve(REFERENCE))).sorted().toList();
        }
    }

    /**
     * Loads the fixture on {@code device} and compares.
     *
     * @throws IllegalArgumentException naming the file and key when reference.json is malformed
     */
    public static Comparison compare(Path directory, Device device) throws IOException {
        Path file = directory.resolve(REFERENCE);
        JsonObject reference;
        try {
            reference = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
        } catch (JsonParseException | IllegalStateException e) {
            throw new IllegalArgumentException(file + ": not a JSON object: " + e.getMessage(), e);
        }
        String transformers = reference.has("transformers") ? reference.get("transformers").getAsString() : "unknown";
        if (reference.has("pairrm_logits")) {
            int[][] ids = sequences(array(reference, "pairrm_sequences", file), file, "pairrm_sequences");
            double[] logits = PairRmSequences.logits(directory, device, ids);
            return new Comparison(directory, "logit", transformers, ids.length,
                    worst(array(reference, "pairrm_logits", file), logits, file, "pairrm_logits"));
        }
        if (reference.has("rewards")) {
            int[][] ids = sequences(array(reference, "sequences", file), file, "sequences");
            JsonArray expected = array(reference, "rewards", file);
            try (HfRewardModel model = HfModels.loadReward(directory, device)) {
                double[] rewards = model.rewards(ids);
                return new Comparison(directory, "reward", transformers, ids.length, worst(expected, rewards, file, "rewards"));
            }
        }
        int[] ids = ints(array(reference, "input_ids", file), file, "input_ids");
        JsonArray expected = array(reference, "logits", file);
        if (expected.size() != ids.length) {
            throw new IllegalArgumentException(file + ": 'logits' has " + expected.size() + " rows for " + ids.length + " input_ids");
        }
        try (HfCausalModel model = HfModels.loadCausal(directory, device)) {
            float[][] actual = logits(model, ids);
            double worst = 0;
            for (int t = 0; t < ids.length; t++) {
                double[] row = new double[actual[t].length];
                for (int v = 0; v < row.length; v++) {
                    row[v] = actual[t][v];
                }
                worst = Math.max(worst, worst(expected.get(t).getAsJsonArray(), row, file, "logits[" + t + "]"));
            }
            return new Comparison(directory, "logit", transformers, ids.length * model.vocabSize(), worst);
        }
    }

    /** (T, V) logits of one unpadded sequence. */
    public static float[][] logits(HfCausalModel model, int[] ids) {
        try (Autograd.Scope inference = Autograd.paused(); NDManager scope = model.manager().newSubManager()) {
            long[] tokens = Arrays.stream(ids).asLongStream().toArray();
            long[] mask = new long[ids.length];
            Arrays.fill(mask, 1);
            NDArray logits = model.forward(scope.create(tokens, new Shape(1, ids.length)),
                    scope.create(mask, new Shape(1, ids.length)), null, false); // (1, T, V)
            long[] shape = logits.getShape().getShape();
            if (!Arrays.equals(new long[] {1, ids.length, model.vocabSize()}, shape)) {
                throw new IllegalStateException("logits of shape " + Arrays.toString(shape) + " for " + ids.length + " tokens");
            }
            float[] flat = logits.toFloatArray();
            float[][] rows = new float[ids.length][model.vocabSize()];
            for (int t = 0; t < ids.length; t++) {
                System.arraycopy(flat, t * model.vocabSize(), rows[t], 0, model.vocabSize());
            }
            return rows;
        }
    }

    private static double worst(JsonArray expected, double[] actual, Path file, String key) {
        if (expected.size() != actual.length) {
            throw new IllegalArgumentException(file + ": '" + key + "' has " + expected.size() + " values, the model gave " + actual.length);
        }
        double worst = 0;
        for (int i = 0; i < actual.length; i++) {
            double difference = Math.abs(expected.get(i).getAsDouble() - actual[i]);
            worst = Double.isNaN(difference) ? Double.NaN : Math.max(worst, difference);
            if (Double.isNaN(worst)) {
                return worst;
            }
        }
        return worst;
    }

    private static JsonArray array(JsonObject reference, String key, Path file) {
        JsonElement value = reference.get(key);
        if (value == null || !value.isJsonArray()) {
            throw new IllegalArgumentException(file + ": '" + key + "' is missing or not an array");
        }
        return value.getAsJsonArray();
    }

    private static int[][] sequences(JsonArray sequences, Path file, String key) {
        int[][] ids = new int[sequences.size()][];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = ints(sequences.get(i), file, key + "[" + i + "]");
        }
        return ids;
    }

    private static int[] ints(JsonElement value, Path file, String key) {
        if (!value.isJsonArray()) {
            throw new IllegalArgumentException(file + ": '" + key + "' is not an array of token ids");
        }
        JsonArray array = value.getAsJsonArray();
        int[] ids = new int[array.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = array.get(i).getAsInt();
        }
        return ids;
    }
}
