package io.sppo4j.cluster.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bench chaos} through the command line on a tiny policy: it runs to the end, prints its
 * JSON, and holds its invariants under 24 seconds of faults (two, seeded: the active learner killed
 * with SIGKILL and restarted, then another node frozen for under 2 s, shorter than the failure
 * detector's pause, so that no downed worker's credits wait a minute to be reclaimed; short for CI,
 * the 10-minute runs with longer freezes are in the README): weight versions never go down on any rollout process, every
 * checkpoint loads, the checkpoint journal shows one learner at a time, and training goes on
 * across at least one learner failover. (The smoke runs of
 * {@code bench pipeline} and {@code bench broadcast} are in {@link BenchCommandsTest}.)
 */
class ClusterBenchCommandsTest {

    /** A policy and task small enough that five JVMs train on two cores. */
    private static final List<String> TINY = List.of(
            "sppo4j.tasks.sort.min-digits=3", "sppo4j.tasks.sort.max-digits=5", "sppo4j.policy.width=32",
            "sppo4j.policy.layers=1", "sppo4j.policy.heads=2", "sppo4j.policy.context-length=48",
            "sppo4j.sampling.max-new-tokens=10", "sppo4j.learner.device=cpu", "sppo4j.rollout.device=cpu",
            "sppo4j.learner.groups-per-step=2", "sppo4j.rollout.group-size=3", "sppo4j.rollout.groups-per-batch=2",
            "sppo4j.eval.every=100000000", "sppo4j.eval.prompts=8", "sppo4j.eval.batch-size=8");

    @TempDir
    Path dir;

    @Test
    void chaosKeepsVersionsAndCheckpointsWholeThroughRepeatedFaults() {
        CliRun.Result result = CliRun.run(args(List.of("bench", "chaos", "--minutes", "0.4", "--every", "12",
                "--max-pause", "2", "--seed", "1", "--json", "--out", dir.resolve("chaos").toString()),
                "sppo4j.learner.checkpoint-every=10"));
        assertEquals(0, result.code(), result.err());
        System.out.println(progress(result));
        JsonObject json = result.lastJsonLine();
        assertEquals(0, json.get("version_regressions").getAsInt(), json.get("version_regression_details").toString());
        assertEquals(0, json.get("corrupt_checkpoints").getAsInt(), result.err());
        assertTrue(json.getAsJsonArray("journal_violations").isEmpty(), json.get("journal_violations").toString());
        JsonObject faults = json.getAsJsonObject("faults");
        assertTrue(faults.get("kill").getAsInt() >= 1 && faults.get("freeze").getAsInt() >= 1, faults.toString());
        assertTrue(json.get("failovers").getAsInt() >= 1, "the first fault killed the active learner: " + json + "\n" + progress(result));
        assertTrue(json.get("steps_gained").getAsDouble() > 10, "training went on: " + json);
        double issued = json.get("credits_issued").getAsDouble();
        assertTrue(issued > 0 && json.get("lost_groups").getAsDouble() <= issued, json.toString());
    }

    /** The benchmark's progress lines, without the nodes' stack traces: what happened, for a failure message. */
    private static String progress(CliRun.Result result) {
        return result.err().lines().filter(line -> line.startsWith("bench chaos:")).collect(java.util.stream.Collectors.joining("\n"));
    }

    private static String[] args(List<String> command, String... settings) {
        List<String> all = new ArrayList<>(command);
        for (String setting : TINY) {
            all.addAll(List.of("--set", setting));
        }
        for (String setting : settings) {
            all.addAll(List.of("--set", setting));
        }
        return all.toArray(String[]::new);
    }
}
