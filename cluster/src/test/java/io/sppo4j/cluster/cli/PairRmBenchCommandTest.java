package io.sppo4j.cluster.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.sppo4j.model.judge.pairrm.RandomPairRm;
import io.sppo4j.model.weights.TensorDType;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code sppo bench pairrm} prints its JSON for a given PairRM directory (the real shape is for a quiet machine). */
class PairRmBenchCommandTest {

    @Test
    void benchPairRmTimesEveryGroupAndWatchesMemory(@TempDir Path dir) throws IOException {
        RandomPairRm.write(dir, new RandomPairRm.Shape(16, 1, 2, 24, 4, 10, true, List.of("p2c", "c2p"), true, 1, 120),
                TensorDType.BF16, 9);
        CliRun.Result result = CliRun.run("bench", "pairrm", "--judge", dir.toString(), "--groups", "3", "--k", "3",
                "--prompt-words", "5", "--response-words", "8", "--device", "cpu", "--json");
        assertEquals(0, result.code(), result.err());
        JsonObject json = result.lastJsonLine();
        assertEquals(3, json.getAsJsonArray("group_ms").size());
        assertEquals(3, json.getAsJsonArray("rss_after_group_mib").size());
        assertEquals(6, json.get("comparisons_per_group").getAsInt());
        assertEquals(4, json.get("batch_size").getAsInt());
        assertEquals("fp32", json.get("dtype").getAsString());
        assertTrue(json.get("group_ms_median").getAsDouble() > 0);
        assertTrue(json.has("rss_growth_after_first_group_mib") && json.has("load_s"), json.toString());
        assertEquals(dir.toString(), json.get("judge").getAsString());
        assertTrue(result.err().contains("bench pairrm: group 3:"), result.err());
    }
}
