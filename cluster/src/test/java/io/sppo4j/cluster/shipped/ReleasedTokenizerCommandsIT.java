package io.sppo4j.cluster.shipped;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.sppo4j.cluster.cli.CliRun;
import io.sppo4j.model.hf.HfTestModels;
import io.sppo4j.model.judge.http.LoopbackJudge;
import io.sppo4j.model.tokenizer.RealTokenizers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code generate}, {@code score} and {@code eval} of the shipped jar on model directories with a
 * released model's tokenizer files (Qwen3; Llama 3 Instruct when fetched): the chat template
 * renders through Jinjava inside the jar, the prompt ids equal transformers.js's, the BOS rule
 * holds, and sampling stops at exactly the model's stop tokens. The weights are tiny and random,
 * with the released model's vocabulary. {@code score} and {@code eval} run on Qwen3's alone: they
 * add no tokenizer behaviour, only time.
 */
class ReleasedTokenizerCommandsIT {

    private static final Duration TIMEOUT = Duration.ofMinutes(5);
    private static final Map<RealTokenizers, Models> MODELS = new EnumMap<>(RealTokenizers.class);

    @TempDir
    static Path shared;

    @TempDir
    Path dir;

    /**
     * A random policy, and one that answers a special token of the chat template that is no stop
     * token (Qwen3's {@code <|im_start|>}, Llama 3's {@code <|start_header_id|>}) and then the stop
     * token that only {@code generation_config.json} names (Qwen3's {@code <|endoftext|>}, Llama
     * 3's {@code <|end_of_text|>}).
     */
    private record Models(Path policy, Path answering, int special, int generationStop) {}

    private static synchronized Models models(RealTokenizers tokenizer) throws IOException {
        Models models = MODELS.get(tokenizer);
        if (models == null) {
            int eos = tokenizer.expected().eos();
            int generationStop = Arrays.stream(tokenizer.stopTokens()).filter(id -> id != eos).findFirst().orElseThrow();
            int special = tokenizer == RealTokenizers.QWEN3 ? 151_644 : 128_006;
            Path base = shared.resolve(tokenizer.toString());
            models = new Models(
                    HfTestModels.releasedLlama(base.resolve("policy"), tokenizer, 3),
                    HfTestModels.answeringLlama(base.resolve("answering"), tokenizer, 3, special, generationStop),
                    special, generationStop);
            MODELS.put(tokenizer, models);
        }
        return models;
    }

    @ParameterizedTest
    @EnumSource(RealTokenizers.class)
    void chatPromptsAreTheIdsTransformersJsGives(RealTokenizers tokenizer) throws Exception {
        Models models = models(tokenizer);
        RealTokenizers.Expected expected = tokenizer.expected();
        JsonObject json = generate(models.policy(), expected.chatContent(), "--chat", "--max-new-tokens", "6", "--seed", "3");
        assertArrayEquals(expected.chatIds(), ints(json.getAsJsonArray("prompt_ids")),
                tokenizer + ": rendered with add_generation_prompt and tokenized, BOS once");
        assertEquals(expected.chatIds().length, json.get("prompt_tokens").getAsInt());
        int[] sampled = ints(json.getAsJsonArray("token_ids"));
        assertTrue(sampled.length == 6 || json.get("stopped").getAsBoolean(), json.toString());
        assertTrue(Arrays.stream(sampled).allMatch(id -> id >= 0 && id < tokenizer.modelVocabSize()), json.toString());
    }

    @ParameterizedTest
    @EnumSource(RealTokenizers.class)
    void rawPromptsGetBosExactlyWhenTheTokenizerAddsIt(RealTokenizers tokenizer) throws Exception {
        RealTokenizers.Expected expected = tokenizer.expected();
        JsonObject json = generate(models(tokenizer).policy(), expected.raw().text(), "--max-new-tokens", "2");
        assertArrayEquals(expected.raw().ids(), ints(json.getAsJsonArray("prompt_ids")), tokenizer + ": raw prompt");
    }

    @ParameterizedTest
    @EnumSource(RealTokenizers.class)
    void samplingGoesOnThroughOtherSpecialTokensAndStopsAtTheGenerationConfigOne(RealTokenizers tokenizer) throws Exception {
        Models models = models(tokenizer);
        JsonObject json = generate(models.answering(), tokenizer.expected().chatContent(), "--chat", "--max-new-tokens", "5");
        assertArrayEquals(new int[] {models.special(), models.generationStop()}, ints(json.getAsJsonArray("token_ids")), json.toString());
        assertTrue(json.get("stopped").getAsBoolean(), json.toString());
        assertEquals("", json.get("response").getAsString(), "special tokens are dropped from the text");
    }

    @Test
    void scoresFromTheJarEqualThoseOfTheBuild() throws Exception {
        RealTokenizers tokenizer = RealTokenizers.QWEN3;
        Path policy = models(tokenizer).policy();
        String ids = String.join(",", Arrays.stream(tokenizer.expected().chatIds()).limit(48).mapToObj(Integer::toString).toList());
        ShippedJar.Result jar = ShippedJar.run(dir, TIMEOUT, ShippedJar.launcher(
                "score", "--policy", policy.toString(), "--ids", ids, "--json"));
        assertEquals(0, jar.code(), jar.describe());
        CliRun.Result build = CliRun.run("score", "--policy", policy.toString(), "--ids", ids, "--json", "--device", "cpu");
        assertEquals(0, build.code(), build.err());
        JsonArray fromJar = jar.lastJsonLine().getAsJsonArray("token_logprobs");
        JsonArray fromBuild = build.lastJsonLine().getAsJsonArray("token_logprobs");
        assertEquals(47, fromJar.size());
        for (int t = 0; t < fromJar.size(); t++) {
            double logProb = fromJar.get(t).getAsDouble();
            assertTrue(logProb < 0 && logProb > -100, "token " + (t + 1) + ": " + logProb);
            assertEquals(fromBuild.get(t).getAsDouble(), logProb, 1e-5, "token " + (t + 1));
        }
    }

    @Test
    void evalPrefersThePolicyThatAnswers() throws Exception {
        RealTokenizers tokenizer = RealTokenizers.QWEN3;
        Models models = models(tokenizer);
        Path prompts = promptFile(tokenizer);
        try (LoopbackJudge judge = new LoopbackJudge((a, b) -> a.length() > b.length() ? 0.9 : a.length() < b.length() ? 0.1 : 0.5)) {
            ShippedJar.Result result = ShippedJar.run(dir, TIMEOUT, ShippedJar.launcher(
                    "eval", "--policy", models.policy().toString(), "--reference", models.answering().toString(),
                    "--prompts", prompts.toString(), "--judge", "http", "--set", "sppo4j.judge.http.base-url=" + judge.baseUrl(),
                    "--set", "sppo4j.sampling.max-new-tokens=4", "--batch", "2", "--seed", "5", "--json"));
            assertEquals(0, result.code(), result.describe());
            JsonObject summary = result.lastJsonLine();
            assertEquals(4, summary.get("prompts").getAsInt(), summary.toString());
            assertEquals(1.0, summary.get("ref_mean_len").getAsDouble(), "the reference answers one special token, then stops: " + summary);
            assertTrue(summary.get("mean_len").getAsDouble() > 1, summary.toString());
            assertTrue(summary.get("winrate").getAsDouble() > 0.5, summary.toString());
            assertTrue(judge.requests() > 0, "the judge was asked");
        }
    }

    /** Two raw prompts and two conversations, with the hard strings in them. */
    private Path promptFile(RealTokenizers tokenizer) throws IOException {
        List<RealTokenizers.Case> texts = tokenizer.expected().texts();
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            JsonObject line = new JsonObject();
            String text = texts.get(i % texts.size()).text() + " " + texts.get((i + 4) % texts.size()).text();
            if (i % 2 == 0) {
                line.addProperty("prompt", text);
            } else {
                JsonArray messages = new JsonArray();
                JsonObject system = new JsonObject();
                system.addProperty("role", "system");
                system.addProperty("content", "Answer briefly.");
                JsonObject user = new JsonObject();
                user.addProperty("role", "user");
                user.addProperty("content", text);
                messages.add(system);
                messages.add(user);
                line.add("messages", messages);
            }
            lines.add(line.toString());
        }
        Path file = dir.resolve("prompts.jsonl");
        Files.write(file, lines);
        return file;
    }

    private JsonObject generate(Path policy, String prompt, String... options) throws Exception {
        List<String> args = new ArrayList<>(List.of("generate", "--policy", policy.toString(), "--prompt", prompt, "--json"));
        args.addAll(List.of(options));
        ShippedJar.Result result = ShippedJar.run(dir, TIMEOUT, ShippedJar.launcher(args.toArray(String[]::new)));
        assertEquals(0, result.code(), result.describe());
        return result.lastJsonLine();
    }

    private static int[] ints(JsonArray array) {
        int[] ids = new int[array.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = array.get(i).getAsInt();
        }
        return ids;
    }
}
