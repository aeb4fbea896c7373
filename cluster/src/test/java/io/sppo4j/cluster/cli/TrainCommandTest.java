package io.sppo4j.cluster.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.sppo4j.model.task.game.BuiltinGames;
import io.sppo4j.model.task.game.Exploitability;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code sppo train} through the command line, on a policy small enough for a test. */
class TrainCommandTest {

    private static final List<String> SMALL = List.of(
            "--set", "sppo4j.policy.width=32", "--set", "sppo4j.policy.layers=1", "--set", "sppo4j.policy.heads=2",
            "--set", "sppo4j.policy.context-length=48", "--set", "sppo4j.tasks.sort.min-digits=3",
            "--set", "sppo4j.tasks.sort.max-digits=5", "--set", "sppo4j.sampling.max-new-tokens=10",
            "--set", "sppo4j.sft.steps=60", "--set", "sppo4j.sft.warmup-steps=5", "--set", "sppo4j.sft.eval-prompts=16",
            "--set", "sppo4j.eval.prompts=32", "--set", "sppo4j.learner.device=cpu", "--set", "sppo4j.rollout.device=cpu");

    /**
     * Long enough, at the learning rate below, for the policy to learn past the margin below from any
     * seed: seeds 1 to 6 reach 0.74 to 0.78 (the bound is 0.59). At 60 steps and the default rate the
     * run ended at 0.56 to 0.66 by seed, and a different draw (another seed, or the same seed's
     * floating-point order changed by an earlier test in the JVM) missed the bound.
     */
    private static final int ASYNC_STEPS = 300;
    /** Enough evaluation prompts for three standard errors of the win rate to stay below 0.1. */
    private static final int EVAL_PROMPTS = 256;
    /** Prompts per iteration: seeds 1 to 6 end their third iteration at 0.70 to 0.73 (64 gave 0.52 to 0.64). */
    private static final int ITERATION_PROMPTS = 256;
    /** A learning rate this tiny policy learns at within the few hundred steps a test can afford. */
    private static final List<String> FAST_LEARNING = List.of(
            "--set", "sppo4j.learner.learning-rate=1e-3", "--set", "sppo4j.learner.warmup-steps=5",
            "--set", "sppo4j.eval.prompts=" + EVAL_PROMPTS);

    @TempDir
    Path dir;

    @Test
    void asyncRunWritesCurvesAndASummary() throws Exception {
        Path out = dir.resolve("async");
        // Evaluating every 75 versions puts the final version (v150) on the cadence as well as last.
        CliRun.Result result = trainToLearn(out, "--set", "sppo4j.learner.max-steps=" + ASYNC_STEPS, "--set", "sppo4j.eval.every=75");
        assertEquals(0, result.code(), result.err());
        JsonObject summary = result.lastJsonLine();
        for (String field : List.of("winrate_vs_ref", "mean_len", "ref_mean_len", "steps", "skipped_steps", "samples",
                "dropped_stale", "wall_s")) {
            assertTrue(summary.has(field), "summary lacks " + field + ": " + summary);
        }
        assertEquals(ASYNC_STEPS, summary.get("steps").getAsInt() + summary.get("skipped_steps").getAsInt(), summary.toString());
        assertEquals(0, summary.get("skipped_steps").getAsInt(), "every step applied; the log says: "
                + (result.out() + result.err()).lines().filter(line -> line.contains("skipped")).toList());
        assertEquals(ASYNC_STEPS * 4 * 4, summary.get("samples").getAsInt(), "4 groups of K=4 per step");
        double winRate = summary.get("winrate_vs_ref").getAsDouble();
        // Against the SFT reference a policy that learned nothing wins half its comparisons; the
        // standard error of a win rate over n prompts is at most sqrt(1/4n), and 3 of them is the margin.
        double margin = 3 * Math.sqrt(0.25 / EVAL_PROMPTS);
        assertTrue(winRate > 0.5 + margin, "win rate " + winRate + " not above 1/2 + " + margin + ": the policy did not learn");
        // The wins are not bought with silence or with rambling: the policy still answers, within
        // the 10 new tokens allowed.
        double meanLength = summary.get("mean_len").getAsDouble();
        assertTrue(meanLength >= 1 && meanLength <= 10, "mean length " + meanLength);
        List<String> csv = Files.readAllLines(out.resolve("metrics.csv"));
        assertTrue(csv.get(0).startsWith("step,version,loss"), csv.get(0));
        assertTrue(csv.get(0).contains(",skipped_steps,"), csv.get(0));
        List<String> steps = csv.subList(1, csv.size()).stream().map(line -> line.substring(0, line.indexOf(','))).toList();
        assertEquals(ASYNC_STEPS + 1, steps.size(), "a row per step and the baseline evaluation's: " + steps);
        assertEquals(ASYNC_STEPS + 1, new java.util.HashSet<>(steps).size(), "no step has two rows: " + steps);
        assertTrue(Files.size(out.resolve("curves.png")) > 1_000);
        assertTrue(Files.isDirectory(out.resolve("checkpoints")), "learner checkpoints");
        // The built-in policy leaves as a GPT-2 directory transformers loads.
        Path policy = Path.of(summary.get("policy_dir").getAsString());
        assertTrue(Files.readString(policy.resolve("config.json")).contains("\"GPT2LMHeadModel\""));
        assertTrue(Files.size(policy.resolve("model.safetensors")) > 4L * 20_000, "the weights");

        // Same settings again: the reference comes from the cache and the finished run resumes as finished.
        CliRun.Result again = trainToLearn(out, "--set", "sppo4j.learner.max-steps=" + ASYNC_STEPS, "--set", "sppo4j.eval.every=75");
        assertEquals(0, again.code(), again.err());
        assertTrue(again.lastJsonLine().get("reference_reused").getAsBoolean());
        assertEquals(ASYNC_STEPS, again.lastJsonLine().get("steps").getAsInt(), "totals come from the resumed learner");
        assertEquals(0, again.lastJsonLine().get("steps_this_run").getAsInt());
    }

    @Test
    void iterationsScheduleReportsTheWinRateOfEachIteration() throws Exception {
        CliRun.Result result = trainToLearn(dir.resolve("iterations"),
                "--set", "sppo4j.schedule=iterations", "--set", "sppo4j.iterations.count=3",
                "--set", "sppo4j.iterations.prompts=" + ITERATION_PROMPTS, "--set", "sppo4j.iterations.epochs=1");
        assertEquals(0, result.code(), result.err());
        JsonObject summary = result.lastJsonLine();
        com.google.gson.JsonArray winRates = summary.getAsJsonArray("winrate_by_iteration");
        assertEquals(3, winRates.size(), summary.toString());
        assertEquals(3 * ITERATION_PROMPTS / 4, summary.get("steps").getAsInt(), ITERATION_PROMPTS + " groups per iteration, 4 per step");
        assertEquals(3, summary.get("versions").getAsInt());
        // Each iteration trains on from the last: the win rate over the SFT reference rises, and the
        // last is above 1/2 by three standard errors of a win rate over the evaluation prompts.
        double first = winRates.get(0).getAsDouble();
        double last = winRates.get(2).getAsDouble();
        assertTrue(last > first, "win rates by iteration " + winRates);
        assertTrue(last > 0.5 + 3 * Math.sqrt(0.25 / EVAL_PROMPTS), "win rates by iteration " + winRates);
    }

    @Test
    void eachIterationStartsAFreshOptimiserWithItsOwnLinearSchedule() throws Exception {
        // 2 iterations of 16 prompts in steps of 4 groups: 4 steps each; warm-up 25% of 4 = 1 step.
        Path out = dir.resolve("paper-schedule");
        CliRun.Result result = train(out, "--set", "sppo4j.schedule=iterations", "--set", "sppo4j.iterations.count=2",
                "--set", "sppo4j.iterations.prompts=16", "--set", "sppo4j.iterations.epochs=1",
                "--set", "sppo4j.iterations.fresh-optimizer=true", "--set", "sppo4j.learner.lr-decay=linear",
                "--set", "sppo4j.learner.warmup-ratio=0.25", "--set", "sppo4j.learner.learning-rate=1e-3");
        assertEquals(0, result.code(), result.err());
        // transformers' linear schedule restarted per iteration: 1, then (4 − k + 1) / 3 of the peak.
        double[] perIteration = {1e-3, 1e-3, 2e-3 / 3, 1e-3 / 3};
        List<Double> rates = learningRates(out);
        assertEquals(8, rates.size(), "rates by step: " + rates);
        for (int step = 0; step < 8; step++) {
            assertEquals(perIteration[step % 4], rates.get(step), 1e-9, "step " + (step + 1) + " of " + rates);
        }

        // One optimiser across both iterations: one schedule over all 8 steps, warm-up 2.
        Path shared = dir.resolve("one-schedule");
        CliRun.Result once = train(shared, "--set", "sppo4j.schedule=iterations", "--set", "sppo4j.iterations.count=2",
                "--set", "sppo4j.iterations.prompts=16", "--set", "sppo4j.iterations.epochs=1",
                "--set", "sppo4j.learner.lr-decay=linear", "--set", "sppo4j.learner.warmup-ratio=0.25",
                "--set", "sppo4j.learner.learning-rate=1e-3");
        assertEquals(0, once.code(), once.err());
        List<Double> sharedRates = learningRates(shared);
        assertEquals(0.5e-3, sharedRates.get(0), 1e-9, sharedRates.toString());
        assertEquals(1e-3 / 6, sharedRates.get(7), 1e-9, "the last of 8 planned steps: " + sharedRates);
    }

    /** The learning_rate column of metrics.csv, for the rows of steps. */
    private static List<Double> learningRates(Path out) throws java.io.IOException {
        List<String> csv = Files.readAllLines(out.resolve("metrics.csv"));
        int column = List.of(csv.get(0).split(",")).indexOf("learning_rate");
        List<Double> rates = new ArrayList<>();
        for (String row : csv.subList(1, csv.size())) {
            String[] cells = row.split(",", -1);
            if (!cells[column].isEmpty()) {
                rates.add(Double.parseDouble(cells[column]));
            }
        }
        return rates;
    }

    @Test
    void theGameTaskReportsTheExploitabilityOfItsPolicies() throws Exception {
        Path profile = Path.of("..", "config", "game.conf");
        CliRun.Result result = CliRun.run("train", "--json", "--out", dir.resolve("game").toString(),
                "--config", profile.toString(), "--set", "sppo4j.tasks.game.name=weighted-rps",
                "--set", "sppo4j.learner.max-steps=1500", "--set", "sppo4j.eval.every=500",
                "--set", "sppo4j.learner.device=cpu", "--set", "sppo4j.rollout.device=auto");
        assertEquals(0, result.code(), result.err());
        JsonObject summary = result.lastJsonLine();
        assertEquals("game", summary.get("task").getAsString());
        // What auto chose, and why, in the summary and on stderr (this machine has no GPU).
        JsonObject devices = summary.getAsJsonObject("devices");
        assertEquals("cpu", devices.getAsJsonObject("learner").get("device").getAsString());
        assertEquals("cpu", devices.getAsJsonObject("learner").get("setting").getAsString());
        JsonObject rollout = devices.getAsJsonObject("rollout");
        assertEquals("cpu", rollout.get("device").getAsString());
        assertEquals("auto", rollout.get("setting").getAsString());
        assertTrue(rollout.get("reason").getAsString().startsWith("no usable GPU: "), rollout.toString());
        assertEquals("cpu", summary.get("rollout_device").getAsString());
        assertTrue(result.err().contains("train: sppo4j.rollout.device = auto: cpu (no usable GPU: "), result.err());
        assertEquals(3, summary.getAsJsonArray("nash").size());
        double average = summary.get("exploitability_average").getAsDouble();
        // The untrained policy is uniform; its exploitability here is 0.067, and the worst policy's is 0.4.
        double uniform = Exploitability.of(BuiltinGames.get("weighted-rps").preferences(), new double[] {1.0 / 3, 1.0 / 3, 1.0 / 3});
        assertTrue(average >= 0 && average < uniform / 2,
                "exploitability of the average policy " + average + ", not below half the uniform policy's " + uniform);
        assertTrue(!summary.has("reference_reused"), "a game needs no SFT reference");
    }

    @Test
    void aRunThatSkipsPastItsBoundExitsWithTheFractionAndTheBoundInOneLine() throws Exception {
        // DPO learns from a group's best and worst response; two samples of three moves are the
        // same move a third of the time, and a step whose two groups are both ties has no pair.
        Path out = dir.resolve("skipping");
        CliRun.Result result = CliRun.run("train", "--json", "--out", out.toString(),
                "--config", Path.of("..", "config", "game.conf").toString(), "--set", "sppo4j.algorithm=dpo",
                "--set", "sppo4j.rollout.group-size=2", "--set", "sppo4j.learner.max-steps=300",
                "--set", "sppo4j.learner.max-skipped-fraction=0", "--set", "sppo4j.learner.skipped-fraction-min-steps=1",
                "--set", "sppo4j.learner.device=cpu", "--set", "sppo4j.rollout.device=cpu");
        assertEquals(1, result.code(), result.err());
        List<String> errors = result.err().lines().filter(line -> line.startsWith("error:")).toList();
        assertEquals(1, errors.size(), result.err());
        assertTrue(errors.get(0).matches("error: learner failed: 1 of \\d+ steps \\([0-9.]+\\) were skipped without an update,"
                + " past sppo4j.learner.max-skipped-fraction = 0.0; see the log for each step's cause"), errors.get(0));
        assertTrue(!result.err().contains("\tat "), "no stack trace: " + result.err());
        List<String> csv = Files.readAllLines(out.resolve("metrics.csv"));
        String last = csv.get(csv.size() - 1);
        int column = List.of(csv.get(0).split(",")).indexOf("skipped_steps");
        assertEquals("1", last.split(",", -1)[column], "the curves so far are kept, the skipped step in them: " + last);
    }

    @Test
    void anUnknownScheduleIsRefusedNamingTheKey() {
        CliRun.Result result = train(dir.resolve("bad"), "--set", "sppo4j.schedule=sometimes");
        assertEquals(2, result.code());
        assertTrue(result.err().contains("sppo4j.schedule"), result.err());
    }

    @Test
    void aGpuLearnerWithoutAGpuFailsAtStartNamingWhatIsMissing() {
        CliRun.Result result = train(dir.resolve("gpu"), "--set", "sppo4j.learner.device=gpu");
        assertEquals(2, result.code(), result.err());
        assertTrue(result.err().contains("error: sppo4j.learner.device = gpu, but DJL sees no GPU: "), result.err());
        assertTrue(result.err().contains("is a CPU build"), result.err());
        assertTrue(!Files.exists(dir.resolve("gpu").resolve("reference")), "nothing ran");
    }

    /** A run whose learning the test asserts: {@link #FAST_LEARNING} before the test's own settings. */
    private CliRun.Result trainToLearn(Path out, String... extra) {
        List<String> args = new ArrayList<>(FAST_LEARNING);
        args.addAll(List.of(extra));
        return train(out, args.toArray(String[]::new));
    }

    private CliRun.Result train(Path out, String... extra) {
        List<String> args = new ArrayList<>(List.of("train", "--json", "--out", out.toString()));
        args.addAll(SMALL);
        args.addAll(List.of(extra));
        return CliRun.run(args.toArray(String[]::new));
    }
}
