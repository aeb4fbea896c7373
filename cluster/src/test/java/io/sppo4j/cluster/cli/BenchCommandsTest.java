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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sppo bench game}, {@code sppo bench algorithms}, and smoke runs of {@code sppo bench
 * broadcast} and {@code sppo bench pipeline}, through the command line.
 */
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
     * streams), at the smallest size: every timed version reached both nodes, and the summary is
     * the run's own, as its progress lines show it (each run's slowest node and raw socket copy, in
     * whole milliseconds): p99 of six arrivals is the slowest of all, p50 no more than the median
     * run's slowest, and the raw rate is the MiB over the median copy.
     */
    @Test
    void broadcastSummarisesTheTransfersItTimed() {
        CliRun.Result result = CliRun.run("bench", "broadcast", "--in-this-jvm", "--mb", "1", "--nodes", "2", "--repeats", "3", "--json");
        assertEquals(0, result.code(), result.err());
        JsonObject json = result.lastJsonLine();
        assertEquals("broadcast", json.get("benchmark").getAsString());
        assertEquals(1, json.get("mb").getAsInt());
        assertEquals(2, json.get("nodes").getAsInt());
        List<double[]> runs = new ArrayList<>();
        Matcher run = Pattern.compile("run (\\d+)/3: slowest node (\\d+) ms; raw socket copy (\\d+) ms").matcher(result.err());
        while (run.find()) {
            assertEquals(runs.size() + 1, Integer.parseInt(run.group(1)), result.err());
            runs.add(new double[] {Double.parseDouble(run.group(2)), Double.parseDouble(run.group(3))});
        }
        assertEquals(3, runs.size(), "a progress line per timed run: " + result.err());
        double[] slowest = runs.stream().mapToDouble(r -> r[0]).sorted().toArray();
        double[] rawMillis = runs.stream().mapToDouble(r -> r[1]).sorted().toArray();
        double p50 = json.get("p50_ms").getAsDouble();
        double p99 = json.get("p99_ms").getAsDouble();
        assertEquals(slowest[2], p99, 0.5, "p99 of 2 nodes x 3 runs is the slowest arrival of all: " + json);
        // Four of the six arrivals (both of the two fastest runs) are no later than the median run's slowest.
        assertTrue(p50 > 0 && p50 <= slowest[1] + 0.5, "p50 " + p50 + " within the median run's slowest " + slowest[1]);
        assertEquals(1 / (p50 / 1e3), json.get("mb_per_s_per_node").getAsDouble(), 1e-6 * json.get("mb_per_s_per_node").getAsDouble());
        double raw = json.get("raw_tcp_mb_per_s").getAsDouble();
        double medianCopy = rawMillis[1];
        assertTrue(raw >= 1 / ((medianCopy + 0.5) / 1e3) && (medianCopy < 0.5 || raw <= 1 / ((medianCopy - 0.5) / 1e3)),
                "raw " + raw + " MB/s is 1 MiB over the median copy of " + medianCopy + " ms");
        assertEquals(json.get("mb_per_s_per_node").getAsDouble() / raw, json.get("ratio_to_raw").getAsDouble(), 1e-9);
    }

    /**
     * A pipeline smoke run at the smallest settings (one measured window of each mode): the
     * figures are the round's the progress line printed, and they fit together as the run's own
     * counts must. Lockstep steps train groups-per-step x group-size samples each, so samples per
     * second x seconds per training phase / busy fraction gives back exactly 6, and its steps do
     * nothing but generate and train; the cluster's learner counters give about 6 per step (they
     * are scraped one after another while the learner steps, so a boundary may split a step).
     */
    @Test
    void pipelineFiguresFollowFromTheSamplesAndStepsItCounted() {
        CliRun.Result result = CliRun.run("bench", "pipeline", "--seconds", "1", "--window", "1", "--json",
                "--out", dir.resolve("pipeline").toString(),
                "--set", "sppo4j.policy.width=32", "--set", "sppo4j.policy.layers=1", "--set", "sppo4j.policy.heads=2",
                "--set", "sppo4j.policy.context-length=48", "--set", "sppo4j.tasks.sort.max-digits=5",
                "--set", "sppo4j.sampling.max-new-tokens=10", "--set", "sppo4j.learner.groups-per-step=2",
                "--set", "sppo4j.rollout.group-size=3", "--set", "sppo4j.rollout.groups-per-batch=2");
        assertEquals(0, result.code(), result.err());
        JsonObject json = result.lastJsonLine();
        assertEquals("pipeline", json.get("benchmark").getAsString());
        assertEquals(2, json.get("groups_per_step").getAsInt());
        assertEquals(3, json.get("group_size").getAsInt());
        double sync = json.get("sync_samples_per_s").getAsDouble();
        double async = json.get("async_samples_per_s").getAsDouble();
        double generateMillis = json.get("t_gen_ms").getAsDouble();
        double trainMillis = json.get("t_train_ms").getAsDouble();
        double asyncTrainMillis = json.get("async_train_ms").getAsDouble();
        double busySync = json.get("learner_busy_sync").getAsDouble();
        double busyAsync = json.get("learner_busy_async").getAsDouble();

        Matcher round = Pattern.compile("round 1/1: sync ([0-9.]+) samples/s \\(generate ([0-9.]+) ms, train ([0-9.]+) ms"
                + " per step\\), async ([0-9.]+) samples/s \\(train ([0-9.]+) ms per step\\)").matcher(result.err());
        assertTrue(round.find(), "one measured round: " + result.err());
        assertEquals(Double.parseDouble(round.group(1)), sync, 0.051, "sync samples/s: " + json);
        assertEquals(Double.parseDouble(round.group(2)), generateMillis, 0.051, "generate ms: " + json);
        assertEquals(Double.parseDouble(round.group(3)), trainMillis, 0.051, "train ms: " + json);
        assertEquals(Double.parseDouble(round.group(4)), async, 0.051, "async samples/s: " + json);
        assertEquals(Double.parseDouble(round.group(5)), asyncTrainMillis, 0.051, "async train ms: " + json);

        assertEquals(6, sync * (trainMillis / 1e3) / busySync, 1e-6, "lockstep samples per step: " + json);
        double inPhases = busySync * (generateMillis + trainMillis) / trainMillis;
        assertTrue(inPhases > 0.8 && inPhases <= 1 + 1e-9, "lockstep spends its time generating and training: " + inPhases);
        assertEquals((generateMillis + trainMillis) / Math.max(generateMillis, trainMillis),
                json.get("ideal_speedup").getAsDouble(), 1e-9);
        double asyncPerStep = async * (asyncTrainMillis / 1e3) / busyAsync;
        assertTrue(asyncPerStep > 3 && asyncPerStep < 12, "cluster samples per learner step about 6: " + asyncPerStep + " in " + json);
        assertTrue(busyAsync > 0 && busyAsync <= 1, "the cluster learner's busy fraction " + busyAsync);
        assertEquals(async / sync, json.get("speedup").getAsDouble(), 1e-9);
        assertEquals(json.get("speedup").getAsDouble() / json.get("ideal_speedup").getAsDouble(),
                json.get("fraction_of_ideal").getAsDouble(), 1e-9);
    }

    private static double[] doubles(JsonArray array) {
        double[] values = new double[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = array.get(i).getAsDouble();
        }
        return values;
    }
}
