package io.sppo4j.cluster.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.sppo4j.model.hf.HfTestModels;
import io.sppo4j.model.judge.http.LoopbackJudge;
import io.sppo4j.model.text.PromptDataset;
import io.sppo4j.model.text.PromptsSettings;
import io.sppo4j.model.tokenizer.ChatMessage;
import io.sppo4j.model.tokenizer.ChatTemplate;
import io.sppo4j.model.tokenizer.HfTokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code sppo generate}, {@code score} and {@code eval} on tiny Llama checkpoints written by the test. */
class HfCommandsTest {

    @TempDir
    Path dir;

    @Test
    void theCommandsHaveHelp() {
        for (String command : List.of("generate", "score", "eval")) {
            CliRun.Result result = CliRun.run(command, "--help");
            assertEquals(0, result.code(), command);
            assertTrue(result.out().contains("Usage: sppo " + command), result.out());
            assertTrue(!result.err().contains("Could not format"), result.err());
        }
    }

    @Test
    void scoreMatchesAPlainJavaForwardPass() throws IOException {
        HfTestModels.ScoredLlama llama = HfTestModels.scoredLlama(dir.resolve("llama"), 11);
        int[] ids = {1, 17, 42, 5, 63, 0, 9, 17};
        CliRun.Result result = CliRun.run("score", "--policy", llama.directory().toString(), "--ids", join(ids),
                "--device", "cpu", "--json");
        assertEquals(0, result.code(), result.err());
        JsonObject json = result.lastJsonLine();
        JsonArray logProbs = json.getAsJsonArray("token_logprobs");
        double[] expected = llama.tokenLogProbs(ids);
        assertEquals(ids.length - 1, logProbs.size());
        double sum = 0;
        for (int t = 0; t < expected.length; t++) {
            assertEquals(expected[t], logProbs.get(t).getAsDouble(), 1e-4, "token " + (t + 1));
            sum += expected[t];
        }
        assertEquals(sum, json.get("sum_logprob").getAsDouble(), 1e-3);
    }

    @Test
    void scoreRefusesBadIdsNamingThem() throws IOException {
        HfTestModels.ScoredLlama llama = HfTestModels.scoredLlama(dir.resolve("llama"), 11);
        String policy = llama.directory().toString();
        int last = llama.vocabSize() - 1;

        CliRun.Result outside = CliRun.run("score", "--policy", policy, "--ids", "1,2," + (last + 1) + ",3", "--device", "cpu");
        assertEquals(2, outside.code());
        assertTrue(outside.err().contains("id " + (last + 1) + " at position 2 is outside the vocabulary")
                && outside.err().contains("ids 0.." + last), outside.err());

        CliRun.Result negative = CliRun.run("score", "--policy", policy, "--ids", "-1,2", "--device", "cpu");
        assertTrue(negative.err().contains("id -1 at position 0"), negative.err());

        CliRun.Result notANumber = CliRun.run("score", "--policy", policy, "--ids", "1, x", "--device", "cpu");
        assertEquals(2, notANumber.code());
        assertTrue(notANumber.err().contains("'x' at position 1 is not a token id"), notANumber.err());

        CliRun.Result single = CliRun.run("score", "--policy", policy, "--ids", "5", "--device", "cpu");
        assertEquals(2, single.code());
        assertTrue(single.err().contains("at least 2 ids"), single.err());

        int[] tooLong = IntStream.range(0, 65).map(i -> i % 7).toArray();
        CliRun.Result overflow = CliRun.run("score", "--policy", policy, "--ids", join(tooLong), "--device", "cpu");
        assertEquals(2, overflow.code());
        assertTrue(overflow.err().contains("65 ids exceed the context length 64"), overflow.err());
    }

    @Test
    void generateSamplesTheSameResponseForTheSameSeed() throws IOException {
        Path policy = HfTestModels.chatLlama(dir.resolve("chat"), 3, false);
        JsonObject first = generate(policy, "hello world", "--seed", "5");
        JsonObject again = generate(policy, "hello world", "--seed", "5");
        JsonObject other = generate(policy, "hello world", "--seed", "6");

        assertEquals(first.get("token_ids"), again.get("token_ids"));
        assertEquals(first.get("response"), again.get("response"));
        assertNotEquals(first.get("token_ids"), other.get("token_ids"));
        int newTokens = first.getAsJsonArray("token_ids").size();
        assertTrue(newTokens >= 1 && newTokens <= 12, "new tokens: " + newTokens);
        assertTrue(first.get("tokens_per_s").getAsDouble() > 0);
        try (HfTokenizer tokenizer = HfTokenizer.load(policy)) {
            assertEquals(tokenizer.encodePrompt("hello world").length, first.get("prompt_tokens").getAsInt());
            int[] sampled = ids(first.getAsJsonArray("token_ids"));
            assertEquals(tokenizer.decode(sampled), first.get("response").getAsString());
            String chat = ChatTemplate.fromModelDirectory(policy).orElseThrow().render(List.of(ChatMessage.user("hello world")));
            JsonObject chatted = generate(policy, "hello world", "--seed", "5", "--chat");
            assertEquals(tokenizer.encodePrompt(chat).length, chatted.get("prompt_tokens").getAsInt());
        }

        CliRun.Result plain = CliRun.run("generate", "--policy", policy.toString(), "--prompt", "hello world",
                "--seed", "5", "--max-new-tokens", "12", "--device", "cpu");
        assertEquals(0, plain.code(), plain.err());
        assertEquals(first.get("response").getAsString() + System.lineSeparator(), plain.out());
    }

    @Test
    void generateWithChatNeedsAChatTemplate() throws IOException {
        Path policy = HfTestModels.chatLlama(dir.resolve("chat"), 3, false);
        Files.writeString(policy.resolve("tokenizer_config.json"),
                "{\"bos_token\": \"<|begin_of_text|>\", \"eos_token\": \"<|eot_id|>\"}");
        CliRun.Result result = CliRun.run("generate", "--policy", policy.toString(), "--prompt", "hi", "--chat", "--device", "cpu");
        assertEquals(2, result.code());
        assertTrue(result.err().contains("has no chat template"), result.err());
    }

    @Test
    void aPolicyAgainstItselfWithTheSameSeedTies() throws IOException {
        Path policy = HfTestModels.chatLlama(dir.resolve("chat"), 3, false);
        try (LoopbackJudge judge = new LoopbackJudge(HfCommandsTest::longerWins)) {
            JsonObject json = eval(policy, policy, judge).lastJsonLine();
            assertEquals(0.5, json.get("winrate").getAsDouble(), 1e-12);
            JsonArray ci = json.getAsJsonArray("ci95");
            assertTrue(ci.get(0).getAsDouble() <= 0.5 && ci.get(1).getAsDouble() >= 0.5, ci.toString());
            assertEquals(6, json.get("prompts").getAsInt());
            assertEquals(json.get("mean_len").getAsDouble(), json.get("ref_mean_len").getAsDouble());
            assertTrue(json.get("mean_len").getAsDouble() > 0);
            assertEquals("http", json.get("judge").getAsString().split("[:(]")[0].strip().toLowerCase());
            // Identical responses are a tie without a question: none reached the server.
            assertEquals(0, judge.requests());
        }
    }

    @Test
    void thePolicyTheJudgePrefersWins() throws IOException {
        Path policy = HfTestModels.chatLlama(dir.resolve("chat"), 3, false);
        Path mute = HfTestModels.chatLlama(dir.resolve("mute"), 3, true);
        try (LoopbackJudge judge = new LoopbackJudge(HfCommandsTest::longerWins)) {
            CliRun.Result result = eval(policy, mute, judge);
            JsonObject json = result.lastJsonLine();
            assertEquals(0.0, json.get("ref_mean_len").getAsDouble());
            assertTrue(json.get("mean_len").getAsDouble() > 0);
            double winRate = json.get("winrate").getAsDouble();
            // The judge gives the longer response 0.9 and the reference says nothing: 0.9 on every
            // prompt where the policy answered, 0.5 (a tie of two empty answers) elsewhere. Allowing
            // one such prompt of the n is a tolerance of 0.4 / n; a flipped preference would give 0.1.
            int prompts = json.get("prompts").getAsInt();
            assertEquals(6, prompts);
            assertEquals(0.9, winRate, 0.4 / prompts + 1e-9, result.out());
            JsonArray ci = json.getAsJsonArray("ci95");
            assertTrue(ci.get(0).getAsDouble() <= winRate && winRate <= ci.get(1).getAsDouble(), ci.toString());
            assertTrue(judge.requests() > 0);
            assertTrue(result.err().contains("eval: judged 6/6 prompts"), result.err());

            JsonObject reversed = eval(mute, policy, judge).lastJsonLine();
            assertEquals(1 - winRate, reversed.get("winrate").getAsDouble(), 1e-9);
        }
    }

    @Test
    void aRewardModelJudgesThroughItsOwnTokenizer() throws IOException {
        Path policy = HfTestModels.chatLlama(dir.resolve("chat"), 3, false);
        Path mute = HfTestModels.chatLlama(dir.resolve("mute"), 3, true);
        // A reward model designed to prefer any answer to silence: the reward is read at the last
        // token, hundreds below zero where that is a token that ends a prompt (every sequence of the
        // silent reference ends so) and hundreds above elsewhere (where an answer ends).
        Set<Integer> promptEnds = new HashSet<>();
        try (HfTokenizer tokenizer = HfTokenizer.load(policy)) {
            PromptDataset prompts = PromptDataset.load(PromptsSettings.of(promptFile()), ChatTemplate.fromModelDirectory(policy));
            List<String> texts = new ArrayList<>(prompts.heldOut());
            prompts.training().forEach(entry -> texts.add(entry.prompt()));
            assertEquals(6, texts.size(), texts.toString());
            for (String text : texts) {
                int[] ids = tokenizer.encodePrompt(text);
                promptEnds.add(ids[ids.length - 1]);
            }
        }
        Path rewardModel = HfTestModels.lastTokenRewardModel(dir.resolve("reward"), 5, promptEnds);
        String[] judge = {"--judge", "reward-model", "--set", "sppo4j.judge.reward-model.path=" + rewardModel,
            "--set", "sppo4j.judge.reward-model.device=cpu"};

        JsonObject tie = evalWith(policy, policy, judge).lastJsonLine();
        assertEquals(0.5, tie.get("winrate").getAsDouble(), 1e-6);
        assertEquals("reward-model", tie.get("judge").getAsString());

        JsonObject json = evalWith(policy, mute, judge).lastJsonLine();
        double winRate = json.get("winrate").getAsDouble();
        int n = json.get("prompts").getAsInt();
        assertEquals(6, n);
        assertTrue(json.get("mean_len").getAsDouble() > 0 && json.get("ref_mean_len").getAsDouble() == 0, json.toString());
        // σ(a difference of hundreds) = 1.0 in double on every prompt the policy answered; one it left empty
        // (or whose answer ends on a prompt's last token) is a tie, ½. Allowing one such prompt of
        // the n is a tolerance of 0.5 / n; a flipped Bradley–Terry sign or a swapped pair gives ≈ 0.
        assertEquals(1.0, winRate, 0.5 / n + 1e-9, json.toString());
        double reversed = evalWith(mute, policy, judge).lastJsonLine().get("winrate").getAsDouble();
        assertEquals(1 - winRate, reversed, 1e-6);
    }

    @Test
    void evalRefusesTheRuleJudgeAndPoliciesWithDifferentVocabularies() throws IOException {
        Path policy = HfTestModels.chatLlama(dir.resolve("chat"), 3, false);
        Path prompts = promptFile();
        CliRun.Result rule = CliRun.run("eval", "--policy", policy.toString(), "--reference", policy.toString(),
                "--prompts", prompts.toString(), "--judge", "rule", "--device", "cpu");
        assertEquals(2, rule.code());
        assertTrue(rule.err().contains("sppo4j.judge.type") && rule.err().contains("no rule judge"), rule.err());

        Path other = HfTestModels.chatLlama(dir.resolve("other"), 3, false);
        Path tokenizer = other.resolve("tokenizer.json");
        Files.writeString(tokenizer, Files.readString(tokenizer).replace("<|im_start|>", "<|im_begin|>"));
        CliRun.Result mismatch = CliRun.run("eval", "--policy", policy.toString(), "--reference", other.toString(),
                "--prompts", prompts.toString(), "--judge", "http", "--device", "cpu");
        assertEquals(2, mismatch.code());
        assertTrue(mismatch.err().contains("different added tokens"), mismatch.err());
    }

    /** The longer response wins with probability 0.9; equal lengths tie. */
    private static double longerWins(String a, String b) {
        return a.length() > b.length() ? 0.9 : a.length() < b.length() ? 0.1 : 0.5;
    }

    private CliRun.Result eval(Path policy, Path reference, LoopbackJudge judge) throws IOException {
        return evalWith(policy, reference, "--judge", "http", "--set", "sppo4j.judge.http.base-url=" + judge.baseUrl());
    }

    private CliRun.Result evalWith(Path policy, Path reference, String... judge) throws IOException {
        List<String> args = new ArrayList<>(List.of("eval", "--policy", policy.toString(), "--reference", reference.toString(),
                "--prompts", promptFile().toString(), "--set", "sppo4j.sampling.max-new-tokens=8", "--seed", "4",
                "--batch", "4", "--device", "cpu", "--json"));
        args.addAll(List.of(judge));
        CliRun.Result result = CliRun.run(args.toArray(String[]::new));
        assertEquals(0, result.code(), result.err());
        return result;
    }

    /** Three raw prompts and three chat prompts (rendered through the policy's template). */
    private Path promptFile() throws IOException {
        return EvalPrompts.in(dir);
    }

    private static JsonObject generate(Path policy, String prompt, String... extra) {
        List<String> args = new ArrayList<>(List.of("generate", "--policy", policy.toString(), "--prompt", prompt,
                "--max-new-tokens", "12", "--device", "cpu", "--json"));
        args.addAll(List.of(extra));
        CliRun.Result result = CliRun.run(args.toArray(String[]::new));
        assertEquals(0, result.code(), result.err());
        return result.lastJsonLine();
    }

    private static int[] ids(JsonArray array) {
        int[] ids = new int[array.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = array.get(i).getAsInt();
        }
        return ids;
    }

    private static String join(int[] ids) {
        return IntStream.of(ids).mapToObj(Integer::toString).collect(Collectors.joining(","));
    }
}
