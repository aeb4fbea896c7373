package io.sppo4j.cluster.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.sppo4j.model.checkpoint.Checkpoint;
import io.sppo4j.model.checkpoint.CheckpointStore;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SppoCliTest {

    /** A policy small enough for a test, through the same keys a user would set. */
    private static final String[] TINY = {
        "--set", "sppo4j.policy.width=32", "--set", "sppo4j.policy.layers=1", "--set", "sppo4j.policy.heads=2",
        "--set", "sppo4j.policy.context-length=64", "--set", "sppo4j.rollout.device=cpu",
        "--set", "sppo4j.learner.device=cpu"
    };

    @TempDir
    Path dir;

    @Test
    void everyCommandHasHelp() {
        for (List<String> command : List.of(List.<String>of(), List.of("sft"), List.of("bench"), List.of("bench", "generate"))) {
            String[] args = concat(command.toArray(String[]::new), "--help");
            CliRun.Result result = CliRun.run(args);
            assertEquals(0, result.code(), String.join(" ", args));
            assertTrue(result.out().contains("Usage: sppo"), result.out());
        }
    }

    @Test
    void anUnknownKeyStopsTheCommandNamingIt() {
        CliRun.Result result = CliRun.run("sft", "--out", dir.toString(), "--set", "sppo4j.sft.stepz=3");
        assertEquals(2, result.code());
        assertTrue(result.err().contains("unknown configuration key 'sppo4j.sft.stepz'"), result.err());
    }

    @Test
    void benchGeneratePrintsItsFiguresAsTheLastJsonLine() {
        CliRun.Result result = CliRun.run(concat(new String[] {"bench", "generate"}, concat(TINY, "--json", "--batch", "4", "--new-tokens", "16", "--repeats", "1")));
        assertEquals(0, result.code(), result.err());
        JsonObject json = result.lastJsonLine();
        assertTrue(json.get("kv_tokens_per_s").getAsDouble() > 0);
        assertTrue(json.get("recompute_tokens_per_s").getAsDouble() > 0);
        assertTrue(json.get("speedup").getAsDouble() > 0);
        assertTrue(json.get("tokens_identical").getAsBoolean());
        assertEquals(16, json.get("new_tokens").getAsInt());
    }

    @Test
    void sftSavesALoadableReferenceCheckpoint() throws Exception {
        Path out = dir.resolve("reference");
        CliRun.Result result = CliRun.run(concat(new String[] {"sft"}, concat(TINY, "--out", out.toString(), "--steps", "20", "--json",
                "--set", "sppo4j.sft.warmup-steps=2", "--set", "sppo4j.sft.eval-prompts=8")));
        assertEquals(0, result.code(), result.err());
        JsonObject json = result.lastJsonLine();
        assertTrue(json.get("heldout_loss_after").getAsDouble() < json.get("heldout_loss_before").getAsDouble());
        Checkpoint checkpoint = new CheckpointStore(out, 1).loadNewest().orElseThrow();
        assertEquals(20, checkpoint.step());
        assertEquals(32, checkpoint.policyConfig().width());
        assertEquals("reference", checkpoint.extra().get("role"));
        assertTrue(result.err().contains("sft ["), "progress bar on stderr: " + result.err());
    }

    private static String[] concat(String[] first, String... rest) {
        String[] all = new String[first.length + rest.length];
        System.arraycopy(first, 0, all, 0, first.length);
        System.arraycopy(rest, 0, all, first.length, rest.length);
        return all;
    }
}
