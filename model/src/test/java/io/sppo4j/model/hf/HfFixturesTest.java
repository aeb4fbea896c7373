package io.sppo4j.model.hf;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.google.gson.Gson;
import com.google.gson.JsonObject;
import io.sppo4j.model.crosscheck.TransformersFixtures;
import io.sppo4j.model.hf.TinyHfModels.Kind;
import io.sppo4j.model.judge.pairrm.PairRmFixtures;
import io.sppo4j.model.judge.pairrm.RandomPairRm;
import io.sppo4j.model.weights.TensorDType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.AssertionFailedError;

/**
 * Our logits against transformers' own, for every checkpoint that
 * {@code model/src/test/python/make_hf_fixtures.py} wrote into {@code src/test/resources/hf-fixtures}.
 * Without fixtures (no Python environment has run the script yet) the test reports itself as
 * skipped, saying so, rather than passing.
 */
class HfFixturesTest {

    static final Path FIXTURES = Path.of("src/test/resources/hf-fixtures");

    /**
     * A test per fixture; without any, one test that reports itself as skipped with the reason (an
     * empty factory would show up as zero tests, which a report reader takes for a pass).
     */
    @TestFactory
    Stream<DynamicTest> matchesTransformersOnEveryFixture() throws IOException {
        List<Path> fixtures = fixtures();
        if (fixtures.isEmpty()) {
            return Stream.of(DynamicTest.dynamicTest("no fixtures", () -> Assumptions.abort(noFixtures())));
        }
        return fixtures.stream().map(dir -> DynamicTest.dynamicTest(dir.getFileName().toString(), () -> check(dir)));
    }

    static String noFixtures() {
        return "no transformers fixtures in " + FIXTURES.toAbsolutePath()
                + ": nothing was compared; run model/src/test/python/make_hf_fixtures.py (needs torch and transformers)";
    }

    /** The comparison itself, on a fixture in the script's format whose reference is the naive Java one. */
    @Test
    void theComparisonAcceptsMatchingLogitsAndRejectsOthers(@TempDir Path temp) throws IOException {
        TinyHfModels.Fixture fixture = TinyHfModels.write(temp.resolve("llama"), Kind.LLAMA, TensorDType.BF16, 1, 51);
        int[] ids = {1, 17, 42, 5, 63, 0, 29};
        float[][] logits = new NaiveReference(fixture).logits(ids);
        Gson gson = new Gson();
        JsonObject reference = new JsonObject();
        reference.addProperty("transformers", "naive-java");
        reference.add("input_ids", gson.toJsonTree(ids));
        reference.add("logits", gson.toJsonTree(logits));
        Files.writeString(fixture.directory().resolve("reference.json"), reference.toString());
        check(fixture.directory());

        logits[3][7] += 1e-3f;
        reference.add("logits", gson.toJsonTree(logits));
        Files.writeString(fixture.directory().resolve("reference.json"), reference.toString());
        AssertionFailedError mismatch = assertThrows(AssertionFailedError.class, () -> check(fixture.directory()));
        assertTrue(mismatch.getMessage().contains("max |logit - transformers|"), mismatch.getMessage());
    }

    /** The same for a PairRM fixture: logits of whole comparisons, checked against the plain-Java reference here. */
    @Test
    void aPairRmFixtureIsComparedToo(@TempDir Path temp) throws IOException {
        Path directory = temp.resolve("pairrm");
        RandomPairRm.write(directory, new RandomPairRm.Shape(32, 2, 4, 48, 8, 16, true, List.of("p2c", "c2p"), true, 2, 120),
                TensorDType.F32, 13);
        int[][] sequences = {
            {1, 121, 17, 42, 2, 1, 122, 5, 2, 1, 123, 63, 9, 29, 2},
            {1, 121, 2, 1, 122, 8, 51, 12, 3, 95, 2, 1, 123, 2},
        };
        double[] logits = PairRmFixtures.naiveLogits(directory, sequences);
        Gson gson = new Gson();
        JsonObject reference = new JsonObject();
        reference.addProperty("transformers", "naive-java");
        reference.add("pairrm_sequences", gson.toJsonTree(sequences));
        reference.add("pairrm_logits", gson.toJsonTree(logits));
        Files.writeString(directory.resolve("reference.json"), reference.toString());
        check(directory);

        logits[1] += 1e-3;
        reference.add("pairrm_logits", gson.toJsonTree(logits));
        Files.writeString(directory.resolve("reference.json"), reference.toString());
        AssertionFailedError mismatch = assertThrows(AssertionFailedError.class, () -> check(directory));
        assertTrue(mismatch.getMessage().contains("max |logit - transformers|"), mismatch.getMessage());
    }

    private static List<Path> fixtures() throws IOException {
        return TransformersFixtures.find(FIXTURES);
    }

    private static void check(Path directory) throws IOException {
        TransformersFixtures.Comparison comparison = TransformersFixtures.compare(directory, Device.cpu());
        assertTrue(comparison.matches(), comparison.describe());
    }
}
