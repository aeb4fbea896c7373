package io.sppo4j.cluster.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.sppo4j.model.task.game.BuiltinGames;
import io.sppo4j.model.task.game.Exploitability;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code sppo bench game} and {@code sppo bench algorithms} through the command line. */
class BenchCommandsTest {

    @TempDir
    Path dir;

    @Test
    void listNamesTheBuiltInGames() {
        CliRun.Result result = CliRun.run("bench", "game", "--list");
        assertEquals(0, result.code(), result.err());
        assertEquals(BuiltinGames.names(), List.of(result.out().strip().split("\n")));
    }

    @Test
    void sppoApproachesTheEquilibriumOfAWeightedRockPaperScissors() {
        CliRun.Result result = CliRun.run("bench", "game", "--game", "weighted-rps", "--algos", "sppo,ipo", "--json");
        assertEquals(0, result.code(), result.err());
        JsonObject json = result.lastJsonLine();
        assertEquals("weighted-rps", json.get("game").getAsString());
        double[] nash = doubles(json.getAsJsonArray("nash"));
        assertEquals(1.0 / 7, nash[0], 1e-9);
        double[][] preferences = BuiltinGames.get("weighted-rps").preferences();
        for (String algorithm : List.of("sppo", "ipo")) {
            JsonObject entry = json.getAsJsonObject("results").getAsJsonObject(algorithm);
            for (String kind : List.of("last", "average")) {
                double[] policy = doubles(entry.getAsJsonArray(kind));
                assertEquals(1.0, java.util.Arrays.stream(policy).sum(), 1e-6, algorithm + " " + kind + " is a distribution");
                // Anyone can recompute the exploitability from the printed probabilities.
                assertEquals(Exploitability.of(preferences, policy), entry.get("exploitability_" + kind).getAsDouble(), 1e-6);
            }
        }
        double sppoAverage = json.getAsJsonObject("results").getAsJsonObject("sppo").get("exploitability_average").getAsDouble();
        // Uniform play scores 0.067 here and IPO's average about 0.08; SPPO's average reaches about 0.008.
        double uniform = Exploitability.of(preferences, new double[] {1.0 / 3, 1.0 / 3, 1.0 / 3});
        assertTrue(sppoAverage <= 0.02, "SPPO's average policy exploitability " + sppoAverage + " (uniform: " + uniform + ")");
    }

    @Test
    void aMalformedMatrixIsRefusedNamingTheCell() throws Exception {
        Path file = dir.resolve("bad.json");
        Files.writeString(file, "{\"responses\": [\"a\", \"b\"], \"P\": [[0.5, 0.7], [0.4, 0.5]]}");
        CliRun.Result result = CliRun.run("bench", "game", "--matrix", file.toString(), "--json");
        assertEquals(2, result.code(), result.out());
        assertTrue(result.err().contains("bad.json") && result.err().contains("P[0][1]"), result.err());
    }

    @Test
    void algorithmsRunsEveryMethodOnTheSameBudget() {
        List<String> args = new ArrayList<>(List.of("bench", "algorithms", "--json", "--steps", "6",
                "--algos", "sppo,dpo,nash-md", "--out", dir.resolve("algos").toString()));
        args.addAll(List.of(
                "--set", "sppo4j.policy.width=32", "--set", "sppo4j.policy.layers=1", "--set", "sppo4j.policy.heads=2",
                "--set", "sppo4j.policy.context-length=48", "--set", "sppo4j.tasks.sort.max-digits=5",
                "--set", "sppo4j.sampling.max-new-tokens=10", "--set", "sppo4j.sft.steps=20",
                "--set", "sppo4j.sft.warmup-steps=2", "--set", "sppo4j.sft.eval-prompts=8",
                "--set", "sppo4j.eval.prompts=16", "--set", "sppo4j.learner.device=cpu",
                "--set", "sppo4j.rollout.device=cpu"));
        CliRun.Result result = CliRun.run(args.toArray(String[]::new));
        assertEquals(0, result.code(), result.err());
        JsonObject json = result.lastJsonLine();
        assertEquals(6 * 4 * 4, json.get("judged_samples_per_method").getAsInt());
        for (String algorithm : List.of("sppo", "dpo", "nash-md")) {
            JsonObject entry = json.getAsJsonObject("results").getAsJsonObject(algorithm);
            assertEquals(6, entry.get("steps").getAsInt(), algorithm);
            assertEquals(6 * 4 * 4, entry.get("samples").getAsInt(), algorithm + " judged the same samples");
            for (String field : List.of("winrate_vs_ref", "mean_len", "ref_mean_len", "wall_s")) {
                assertTrue(entry.has(field), algorithm + " lacks " + field);
            }
        }
    }

    /**
     * A short broadcast smoke run, in this JVM (a child JVM's output would not reach the captured
     * streams): every timed version reached the nodes, and the figures are consistent.
     */
    @Test
    void broadcastPrintsConsistentFiguresOnASmallSnapshot() {
        CliRun.Result result = CliRun.run("bench", "broadcast", "--in-this-jvm", "--mb", "1", "--nodes", "2", "--repeats", "2", "--json");
        assertEquals(0, result.code(), result.err());
        JsonObject json = result.lastJsonLine();
        assertEquals("broadcast", json.get("benchmark").getAsString());
        assertEquals(1, json.get("mb").getAsInt());
        assertEquals(2, json.get("nodes").getAsInt());
        double p50 = json.get("p50_ms").getAsDouble();
        double p99 = json.get("p99_ms").getAsDouble();
        assertTrue(p50 > 0 && p99 >= p50, json.toString());
        assertEquals(1 / (p50 / 1e3), json.get("mb_per_s_per_node").getAsDouble(), 1e-6 * json.get("mb_per_s_per_node").getAsDouble());
        double raw = json.get("raw_tcp_mb_per_s").getAsDouble();
        assertTrue(raw > 0, json.toString());
        assertEquals(json.get("mb_per_s_per_node").getAsDouble() / raw, json.get("ratio_to_raw").getAsDouble(), 1e-9);
        assertTrue(result.err().contains("run 2/2"), result.err());
    }

    /** A short pipeline smoke run: both modes trained and the derived figures follow from the measured ones. */
    @Test
    void pipelinePrintsConsistentFiguresOnAShortRun() {
        CliRun.Result result = CliRun.run("bench", "pipeline", "--seconds", "2", "--window", "1", "--json",
                "--out", dir.resolve("pipeline").toString(),
                "--set", "sppo4j.policy.width=32", "--set", "sppo4j.policy.layers=1", "--set", "sppo4j.policy.heads=2",
                "--set", "sppo4j.policy.context-length=48", "--set", "sppo4j.tasks.sort.max-digits=5",
                "--set", "sppo4j.sampling.max-new-tokens=10");
        assertEquals(0, result.code(), result.err());
        JsonObject json = result.lastJsonLine();
        assertEquals("pipeline", json.get("benchmark").getAsString());
        double sync = json.get("sync_samples_per_s").getAsDouble();
        double async = json.get("async_samples_per_s").getAsDouble();
        assertTrue(sync > 0 && async > 0, "both modes produced samples: " + json);
        assertEquals(async / sync, json.get("speedup").getAsDouble(), 1e-9);
        assertEquals(json.get("speedup").getAsDouble() / json.get("ideal_speedup").getAsDouble(),
                json.get("fraction_of_ideal").getAsDouble(), 1e-9);
        double busy = json.get("learner_busy_sync").getAsDouble();
        assertTrue(busy > 0 && busy <= 1, "the lockstep learner's busy fraction " + busy);
        assertTrue(result.err().contains("round 2/2"), result.err());
    }

    private static double[] doubles(JsonArray array) {
        double[] values = new double[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = array.get(i).getAsDouble();
        }
        return values;
    }
}
