package io.sppo4j.cluster.shipped;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./sppo train} on the built-in sort task through the shipped jar, shrunk by {@code --set}
 * to a few tens of seconds: the default profile is read from the repository (sppo4j.home, as the
 * launcher sets it), the reference is fine-tuned, and SPPO takes real optimiser steps.
 */
class TrainIT {

    private static final int STEPS = 12;
    private static final int GROUPS_PER_STEP = 2;
    private static final int GROUP_SIZE = 4;

    @TempDir
    Path dir;

    @Test
    void trainingTheBuiltInTaskTakesEveryStepWithGradients() throws Exception {
        Path out = dir.resolve("run");
        ShippedJar.Result result = ShippedJar.run(dir, Duration.ofMinutes(10), ShippedJar.launcher(
                "train", "--json", "--out", out.toString(),
                "--set", "sppo4j.policy.width=32", "--set", "sppo4j.policy.layers=1", "--set", "sppo4j.policy.heads=2",
                "--set", "sppo4j.policy.context-length=48", "--set", "sppo4j.tasks.sort.min-digits=3",
                "--set", "sppo4j.tasks.sort.max-digits=5", "--set", "sppo4j.sampling.max-new-tokens=10",
                "--set", "sppo4j.sft.steps=40", "--set", "sppo4j.sft.warmup-steps=5", "--set", "sppo4j.sft.eval-prompts=16",
                "--set", "sppo4j.eval.prompts=16", "--set", "sppo4j.eval.every=1000",
                "--set", "sppo4j.learner.max-steps=" + STEPS, "--set", "sppo4j.learner.groups-per-step=" + GROUPS_PER_STEP,
                "--set", "sppo4j.rollout.group-size=" + GROUP_SIZE));
        assertEquals(0, result.code(), result.describe());
        JsonObject summary = result.lastJsonLine();

        assertEquals("sort", summary.get("task").getAsString(), "the launcher's profile (config/local.conf) was read");
        assertFalse(summary.get("reference_reused").getAsBoolean(), "a fresh output directory fine-tunes its reference");
        assertTrue(summary.has("reference_exact_match"), summary.toString());
        assertEquals(STEPS, summary.get("steps").getAsInt(), summary.toString());
        assertEquals(STEPS * GROUPS_PER_STEP * GROUP_SIZE, summary.get("samples").getAsInt(), summary.toString());
        double winRate = summary.get("winrate_vs_ref").getAsDouble();
        assertTrue(winRate >= 0 && winRate <= 1, "win rate " + winRate);
        assertTrue(summary.get("eval_version").getAsInt() >= 1, "the final policy was evaluated: " + summary);

        List<String> csv = Files.readAllLines(out.resolve("metrics.csv"));
        List<String> columns = Arrays.asList(csv.get(0).split(","));
        int loss = columns.indexOf("loss");
        int gradNorm = columns.indexOf("grad_norm");
        List<String[]> steps = new ArrayList<>();
        for (String line : csv.subList(1, csv.size())) {
            String[] row = line.split(",", -1);
            if (!row[loss].isEmpty()) {
                steps.add(row);
            }
        }
        assertEquals(STEPS, steps.size(), "a row per optimiser step:\n" + String.join("\n", csv));
        Set<String> losses = new HashSet<>();
        for (String[] row : steps) {
            double norm = Double.parseDouble(row[gradNorm]);
            assertTrue(Double.isFinite(Double.parseDouble(row[loss])), "finite loss at step " + row[0]);
            assertTrue(Double.isFinite(norm) && norm > 0, "a gradient at step " + row[0] + ": " + norm);
            losses.add(row[loss]);
        }
        assertTrue(losses.size() > 1, "the loss moves: " + losses);
        assertTrue(Files.size(out.resolve("curves.png")) > 1_000, "curves.png");
        try (Stream<Path> checkpoints = Files.list(out.resolve("checkpoints"))) {
            assertTrue(checkpoints.findAny().isPresent(), "the learner checkpointed");
        }
    }
}
