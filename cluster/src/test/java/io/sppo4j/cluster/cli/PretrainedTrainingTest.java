package io.sppo4j.cluster.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.sppo4j.model.hf.HfModelDirectory;
import io.sppo4j.model.hf.HfTestModels;
import io.sppo4j.model.hf.TinyHfModels;
import io.sppo4j.model.judge.http.FakeChatServer;
import io.sppo4j.model.weights.TensorDType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Hugging Face workflow end to end: a tiny Llama-architecture checkpoint with a byte-level
 * BPE tokenizer, a JSONL prompt file, and an LLM judge behind a chat-completions API (a local
 * server that prefers the response with more lowercase letters). {@code sppo train} must raise
 * the win rate over the checkpoint it started from, and leave a directory that loads as the
 * same architecture with the same tensor names.
 */
class PretrainedTrainingTest {

    /** Enough prompts for three standard errors of the win rate to stay below 0.2. */
    private static final int EVAL_PROMPTS = 60;

    @TempDir
    Path dir;

    @Test
    void trainingAHuggingFaceLlamaOnAPromptFileWithAnHttpJudgeRaisesTheWinRate() throws Exception {
        Path policy = dir.resolve("tiny-llama");
        // BF16 on disk, so that the saved policy shows the dtype kept.
        TinyHfModels.write(policy, TinyHfModels.Kind.LLAMA, TensorDType.BF16, 1, 7, config -> {
            config.addProperty("vocab_size", HfTestModels.CHAT_VOCAB);
            config.addProperty("max_position_embeddings", 96);
        });
        HfTestModels.copyChatTokenizer(policy);
        Path prompts = dir.resolve("prompts.jsonl");
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 120; i++) {
            lines.add(i % 2 == 0 ? "{\"prompt\": \"Say something, number " + i + ".\"}"
                    : "{\"messages\": [{\"role\": \"user\", \"content\": \"Write a word for " + i + ".\"}]}");
        }
        Files.write(prompts, lines);

        try (FakeChatServer judge = new FakeChatServer(question -> {
            int a = lowercase(question.responseA());
            int b = lowercase(question.responseB());
            return FakeChatServer.Reply.logprobs(a > b ? 0.95 : a < b ? 0.05 : 0.5);
        })) {
            Path out = dir.resolve("run");
            CliRun.Result result = CliRun.run("train", "--out", out.toString(), "--json",
                    "--set", "sppo4j.policy.path=" + policy,
                    "--set", "sppo4j.prompts.path=" + prompts,
                    "--set", "sppo4j.judge.type=http",
                    "--set", "sppo4j.judge.http.base-url=" + judge.baseUrl(),
                    "--set", "sppo4j.judge.http.max-concurrency=4",
                    "--set", "sppo4j.sampling.max-new-tokens=8",
                    "--set", "sppo4j.learner.learning-rate=3e-3",
                    "--set", "sppo4j.learner.max-steps=60",
                    "--set", "sppo4j.eval.every=30",
                    "--set", "sppo4j.eval.prompts=" + EVAL_PROMPTS,
                    "--set", "sppo4j.learner.device=cpu", "--set", "sppo4j.rollout.device=cpu");
            assertEquals(0, result.code(), result.err());
            JsonObject summary = result.lastJsonLine();
            System.out.println("train summary: " + summary);
            double winRate = summary.get("winrate_vs_ref").getAsDouble();
            // A policy that learned nothing wins half; three standard errors of a win rate over the
            // evaluation prompts (at most sqrt(1/4n) each) is the margin that rules chance out.
            double margin = 3 * Math.sqrt(0.25 / EVAL_PROMPTS);
            assertTrue(winRate > 0.5 + margin, "win rate over the starting checkpoint " + winRate + ", not above 1/2 + "
                    + margin + ": " + summary);
            assertTrue(judge.requests() > 0);

            Path trained = Path.of(summary.get("policy_dir").getAsString());
            HfModelDirectory before = HfModelDirectory.read(policy);
            HfModelDirectory after = HfModelDirectory.read(trained);
            assertEquals(before.architecture(), after.architecture());
            assertEquals(List.copyOf(before.tensors().keySet()), List.copyOf(after.tensors().keySet()));
            assertEquals(before.dtypes(), after.dtypes(), "saved in the dtypes it was loaded in");
            assertArrayEquals(Files.readAllBytes(policy.resolve("tokenizer.json")),
                    Files.readAllBytes(trained.resolve("tokenizer.json")));
        }
    }

    private static int lowercase(String text) {
        return (int) text.chars().filter(c -> c >= 'a' && c <= 'z').count();
    }
}
