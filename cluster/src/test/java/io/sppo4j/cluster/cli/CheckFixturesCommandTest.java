package io.sppo4j.cluster.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import io.sppo4j.model.hf.HfTestModels;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sppo check-fixtures} on a fixture in make_hf_fixtures.py's format whose reference logits
 * come from the plain-Java forward pass (transformers is not here): the same comparison as
 * HfFixturesTest, its exit codes and its JSON.
 */
class CheckFixturesCommandTest {

    private static final int[] IDS = {1, 17, 42, 5, 63, 0, 29};

    @TempDir
    Path dir;

    @Test
    void matchingLogitsPassAndAShiftedOneFailsNamingTheFixture() throws IOException {
        Path fixtures = dir.resolve("hf-fixtures");
        HfTestModels.ScoredLlama llama = HfTestModels.scoredLlama(fixtures.resolve("llama"), 5);
        float[][] logits = llama.logits(IDS);
        writeReference(llama.directory(), logits);

        CliRun.Result result = CliRun.run("check-fixtures", fixtures.toString(), "--device", "cpu", "--json");
        assertEquals(0, result.code(), result.err());
        JsonObject summary = result.lastJsonLine();
        assertTrue(summary.get("all_match").getAsBoolean(), summary.toString());
        assertEquals("cpu", summary.get("device").getAsString());
        JsonObject llamaResult = summary.getAsJsonArray("fixtures").get(0).getAsJsonObject();
        assertEquals("llama", llamaResult.get("name").getAsString());
        assertEquals(IDS.length * llama.vocabSize(), llamaResult.get("values").getAsInt());
        assertTrue(llamaResult.get("max_abs_diff").getAsDouble() < 1e-4, llamaResult.toString());

        logits[2][9] += 2e-3f;
        writeReference(llama.directory(), logits);
        CliRun.Result shifted = CliRun.run("check-fixtures", fixtures.toString(), "--device", "cpu", "--json");
        assertEquals(1, shifted.code(), shifted.err());
        assertFalse(shifted.lastJsonLine().get("all_match").getAsBoolean());
        assertTrue(shifted.err().contains("MISMATCH " + llama.directory() + ": max |logit - transformers| = "), shifted.err());
    }

    @Test
    void aFolderWithoutFixturesIsAnError() throws IOException {
        Files.createDirectories(dir.resolve("empty"));
        CliRun.Result result = CliRun.run("check-fixtures", dir.resolve("empty").toString());
        assertEquals(2, result.code());
        assertTrue(result.err().contains("no fixture directory"), result.err());
    }

    private static void writeReference(Path directory, float[][] logits) throws IOException {
        Gson gson = new Gson();
        JsonObject reference = new JsonObject();
        reference.addProperty("transformers", "naive-java");
        reference.add("input_ids", gson.toJsonTree(IDS));
        reference.add("logits", gson.toJsonTree(logits));
        Files.writeString(directory.resolve("reference.json"), reference.toString());
    }
}
