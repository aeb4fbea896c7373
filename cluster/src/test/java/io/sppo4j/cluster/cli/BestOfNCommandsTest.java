package io.sppo4j.cluster.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.sppo4j.model.hf.HfTestModels;
import io.sppo4j.model.judge.http.LoopbackJudge;
import io.sppo4j.model.judge.pairrm.RandomPairRm;
import io.sppo4j.model.weights.TensorDType;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleBiFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code generate --best-of} and {@code eval --best-of}, and eval's length-controlled win rate,
 * through the command line, with judges whose choice is known in advance.
 */
class BestOfNCommandsTest {

    @TempDir
    Path dir;

    @Test
    void generateReturnsTheCandidateTheJudgePrefers() throws IOException {
        Path policy = HfTestModels.chatLlama(dir.resolve("chat"), 3, false);
        for (boolean more : new boolean[] {true, false}) {
            ToDoubleBiFunction<String, String> taste = more ? BestOfNCommandsTest::moreLettersWin : BestOfNCommandsTest::fewerLettersWin;
            try (LoopbackJudge judge = new LoopbackJudge(taste)) {
                JsonObject json = generate(policy, judge, "--best-of", "5").lastJsonLine();
                JsonArray candidates = json.getAsJsonArray("candidates");
                assertEquals(5, candidates.size());
                List<String> texts = new ArrayList<>();
                for (int i = 0; i < candidates.size(); i++) {
                    texts.add(candidates.get(i).getAsJsonObject().get("response").getAsString());
                }
                assertTrue(texts.stream().mapToLong(BestOfNCommandsTest::letters).distinct().count() > 1,
                        "the candidates all have as many letters: " + texts);
                // The judge's own scores: the mean over the others of P(i ≻ j) as the judge answers it (both orders).
                int expected = 0;
                double[] scores = new double[texts.size()];
                for (int i = 0; i < texts.size(); i++) {
                    for (int j = 0; j < texts.size(); j++) {
                        if (j != i) {
                            scores[i] += taste.applyAsDouble(texts.get(i), texts.get(j)) / (texts.size() - 1);
                        }
                    }
                    assertEquals(scores[i], candidates.get(i).getAsJsonObject().get("score").getAsDouble(), 1e-6, "score " + i);
                    if (scores[i] > scores[expected]) {
                        expected = i;
                    }
                }
                assertEquals(expected, json.get("chosen").getAsInt(), "chosen among " + texts);
                assertEquals(texts.get(expected), json.get("response").getAsString());
                long extreme = more ? texts.stream().mapToLong(BestOfNCommandsTest::letters).max().orElseThrow()
                        : texts.stream().mapToLong(BestOfNCommandsTest::letters).min().orElseThrow();
                assertEquals(extreme, letters(texts.get(expected)), (more ? "the most" : "the fewest") + " letters of " + texts);
                assertEquals(5, json.get("best_of").getAsInt());
                assertTrue(judge.requests() > 0);
            }
        }
    }

    @Test
    void generateRerankedByPairRmPrintsItsScores() throws IOException {
        Path policy = HfTestModels.chatLlama(dir.resolve("chat"), 3, false);
        Path pairRm = dir.resolve("pairrm");
        RandomPairRm.write(pairRm, new RandomPairRm.Shape(16, 1, 2, 24, 4, 10, true, List.of("p2c", "c2p"), true, 1, 120),
                TensorDType.F32, 5);
        CliRun.Result result = CliRun.run("generate", "--policy", policy.toString(), "--prompt", "hello world",
                "--max-new-tokens", "8", "--device", "cpu", "--json", "--best-of", "3", "--judge", "pairrm",
                "--set", "sppo4j.judge.pairrm.path=" + pairRm, "--set", "sppo4j.judge.pairrm.device=cpu");
        assertEquals(0, result.code(), result.err());
        JsonObject json = result.lastJsonLine();
        assertEquals("pairrm", json.get("judge").getAsString());
        JsonArray candidates = json.getAsJsonArray("candidates");
        double best = -1;
        int argmax = -1;
        double total = 0;
        for (int i = 0; i < candidates.size(); i++) {
            double score = candidates.get(i).getAsJsonObject().get("score").getAsDouble();
            total += score;
            if (score > best) {
                best = score;
                argmax = i;
            }
        }
        assertEquals(argmax, json.get("chosen").getAsInt());
        // Mean preferences of a complementary matrix average to 1/2.
        assertEquals(0.5 * candidates.size(), total, 1e-6);
    }

    @Test
    void bestOfNeedsAModelJudge() throws IOException {
        Path policy = HfTestModels.chatLlama(dir.resolve("chat"), 3, false);
        CliRun.Result rule = CliRun.run("generate", "--policy", policy.toString(), "--prompt", "hi", "--best-of", "3",
                "--device", "cpu");
        assertEquals(2, rule.code());
        assertTrue(rule.err().contains("sppo4j.judge.type") && rule.err().contains("--best-of needs a model judge"), rule.err());
        CliRun.Result one = CliRun.run("generate", "--policy", policy.toString(), "--prompt", "hi", "--best-of", "1",
                "--judge", "http", "--device", "cpu");
        assertEquals(2, one.code());
        assertTrue(one.err().contains("--best-of must be >= 2"), one.err());
        CliRun.Result noReference = CliRun.run("eval", "--policy", policy.toString(), "--prompts", promptFile().toString(),
                "--judge", "http", "--device", "cpu");
        assertEquals(2, noReference.code());
        assertTrue(noReference.err().contains("--reference is required"), noReference.err());
    }

    @Test
    void evalReportsTheGainOfBestOfNOverPlainSampling() throws IOException {
        Path policy = HfTestModels.chatLlama(dir.resolve("chat"), 3, false);
        try (LoopbackJudge judge = new LoopbackJudge(BestOfNCommandsTest::longerWins)) {
            CliRun.Result result = eval(judge, "--policy", policy.toString(), "--best-of", "4");
            JsonObject json = result.lastJsonLine();
            assertEquals(4, json.get("best_of").getAsInt());
            double winRate = json.get("winrate").getAsDouble();
            assertTrue(winRate > 0.6, "best of 4 by a length-loving judge against one sample: " + winRate);
            assertTrue(json.get("mean_chars").getAsDouble() > json.get("ref_mean_chars").getAsDouble(), json.toString());
            assertTrue(result.err().contains("eval: reranked 6/6 prompts"), result.err());
            // The judge only liked length, and length is what best-of-N bought: controlled for it, less is left.
            assertTrue(json.get("lc_winrate").getAsDouble() < winRate, json.toString());
            assertTrue(json.get("lc_length_coef").getAsDouble() >= 0, json.toString());
        }
    }

    @Test
    void evalPrintsTheLengthControlledWinRateForOneOrSeveralPolicies() throws IOException {
        Path policy = HfTestModels.chatLlama(dir.resolve("chat"), 3, false);
        Path mute = HfTestModels.chatLlama(dir.resolve("mute"), 3, true);
        try (LoopbackJudge judge = new LoopbackJudge(BestOfNCommandsTest::longerWins)) {
            JsonObject tie = eval(judge, "--policy", policy.toString(), "--reference", policy.toString()).lastJsonLine();
            assertEquals(0.5, tie.get("lc_winrate").getAsDouble(), 1e-9);
            JsonArray lcCi = tie.getAsJsonArray("lc_ci95");
            assertTrue(lcCi.get(0).getAsDouble() <= 0.5 && lcCi.get(1).getAsDouble() >= 0.5, lcCi.toString());

            JsonObject both = eval(judge, "--policy", policy.toString(), "--policy", mute.toString(),
                    "--reference", policy.toString()).lastJsonLine();
            JsonArray policies = both.getAsJsonArray("policies");
            assertEquals(2, policies.size());
            assertTrue(both.get("lc_instruction_term").getAsBoolean());
            assertEquals(policy.toString(), policies.get(0).getAsJsonObject().get("policy").getAsString());
            double muteRaw = policies.get(1).getAsJsonObject().get("winrate").getAsDouble();
            assertTrue(muteRaw < 0.5, "the mute policy loses to a length-loving judge: " + muteRaw);
            for (int i = 0; i < 2; i++) {
                JsonObject entry = policies.get(i).getAsJsonObject();
                double lc = entry.get("lc_winrate").getAsDouble();
                JsonArray ci = entry.getAsJsonArray("lc_ci95");
                assertTrue(lc >= 0 && lc <= 1 && ci.get(0).getAsDouble() <= lc && lc <= ci.get(1).getAsDouble(), entry.toString());
            }
        }
    }

    /** The longer response wins with probability 0.9; equal lengths tie. */
    private static double longerWins(String a, String b) {
        return a.length() > b.length() ? 0.9 : a.length() < b.length() ? 0.1 : 0.5;
    }

    /** The response with more ASCII letters wins with probability 0.9; equal counts tie. */
    private static double moreLettersWin(String a, String b) {
        return Long.compare(letters(a), letters(b)) > 0 ? 0.9 : letters(a) < letters(b) ? 0.1 : 0.5;
    }

    private static double fewerLettersWin(String a, String b) {
        return 1 - moreLettersWin(a, b);
    }

    private static long letters(String text) {
        return text.chars().filter(c -> (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')).count();
    }

    private static CliRun.Result generate(Path policy, LoopbackJudge judge, String... extra) {
        List<String> args = new ArrayList<>(List.of("generate", "--policy", policy.toString(), "--prompt", "hello world",
                "--max-new-tokens", "12", "--seed", "5", "--device", "cpu", "--json", "--judge", "http",
                "--set", "sppo4j.judge.http.base-url=" + judge.baseUrl()));
        args.addAll(List.of(extra));
        CliRun.Result result = CliRun.run(args.toArray(String[]::new));
        assertEquals(0, result.code(), result.err());
        return result;
    }

    private CliRun.Result eval(LoopbackJudge judge, String... policies) throws IOException {
        List<String> args = new ArrayList<>(List.of("eval", "--prompts", promptFile().toString(),
                "--set", "sppo4j.sampling.max-new-tokens=8", "--seed", "4", "--batch", "4", "--device", "cpu", "--json",
                "--bootstrap", "200", "--judge", "http", "--set", "sppo4j.judge.http.base-url=" + judge.baseUrl()));
        args.addAll(List.of(policies));
        CliRun.Result result = CliRun.run(args.toArray(String[]::new));
        assertEquals(0, result.code(), result.err());
        return result;
    }

    private Path promptFile() throws IOException {
        return EvalPrompts.in(dir);
    }
}
