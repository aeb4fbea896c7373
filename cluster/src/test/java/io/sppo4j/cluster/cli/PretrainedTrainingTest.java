package io.sppo4j.cluster.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
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
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Hugging Face workflow end to end: a tiny Llama-architecture checkpoint with a byte-level
 * BPE tokenizer, a JSONL prompt file, and an LLM judge behind a chat-completions API (a local
 * server that prefers the response with more lowercase letters). {@code sppo train} must raise
 * the win rate over the checkpoint it started from, and leave a directory that loads as the
 * same architecture with the same tensor names; and so must a run that trains LoRA adapters only.
 */
class PretrainedTrainingTest {

    /** Enough prompts for three standard errors of the win rate to stay below 0.2. */
    private static final int EVAL_PROMPTS = 60;

    @TempDir
    Path dir;

    @Test
    void trainingAHuggingFaceLlamaOnAPromptFileWithAnHttpJudgeRaisesTheWinRate() throws Exception {
        Path policy = tinyLlama();
        try (FakeChatServer judge = lowercaseJudge()) {
            JsonObject summary = train(policy, judge, dir.resolve("run"), "sppo4j.learner.learning-rate=3e-3");
            assertRaisedWinRate(summary);
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

    /**
     * The same run with rank-8 LoRA adapters on a frozen base: the win rate rises as well, the run
     * leaves the adapter in peft's layout beside the merged policy, {@code score --adapter} on the
     * base gives the merged policy's log-probabilities, and resuming on a changed base is refused.
     */
    @Test
    void trainingLoraAdaptersRaisesTheWinRateAndSavesAPeftAdapterThatScoresAsTheMergedPolicy() throws Exception {
        Path policy = tinyLlama();
        Path out = dir.resolve("lora-run");
        // The adapters cannot touch the embeddings and the head, where full fine-tuning finds the
        // judge's taste soonest: twice the steps.
        String[] lora = {"sppo4j.lora.rank=8", "sppo4j.lora.dropout=0", "sppo4j.learner.learning-rate=1e-2",
            "sppo4j.learner.max-steps=120", "sppo4j.eval.every=60"};
        try (FakeChatServer judge = lowercaseJudge()) {
            JsonObject summary = train(policy, judge, out, lora);
            assertRaisedWinRate(summary);
            Path adapter = Path.of(summary.get("adapter_dir").getAsString());
            assertTrue(Files.isRegularFile(adapter.resolve("adapter_config.json")));
            assertTrue(Files.isRegularFile(adapter.resolve("adapter_model.safetensors")));
            Path merged = Path.of(summary.get("policy_dir").getAsString());
            assertEquals(List.copyOf(HfModelDirectory.read(policy).tensors().keySet()),
                    List.copyOf(HfModelDirectory.read(merged).tensors().keySet()), "the merged policy has the base's layout");
            Map<String, TensorDType> dtypes = HfModelDirectory.read(merged).dtypes();
            assertEquals(TensorDType.F32, dtypes.get("model.layers.0.self_attn.q_proj.weight"), "adapted weights in float32");
            assertEquals(TensorDType.BF16, dtypes.get("model.embed_tokens.weight"), "the rest as the base stored it");

            String ids = "1,40,41,42,43,44,45,46,47,48,49,50";
            float[] viaAdapter = tokenLogProbs(CliRun.run("score", "--policy", policy.toString(), "--adapter", adapter.toString(),
                    "--ids", ids, "--json"));
            float[] viaMerged = tokenLogProbs(CliRun.run("score", "--policy", merged.toString(), "--ids", ids, "--json"));
            float[] base = tokenLogProbs(CliRun.run("score", "--policy", policy.toString(), "--ids", ids, "--json"));
            double worst = 0;
            double moved = 0;
            for (int t = 0; t < viaAdapter.length; t++) {
                worst = Math.max(worst, Math.abs(viaAdapter[t] - viaMerged[t]));
                moved = Math.max(moved, Math.abs(viaAdapter[t] - base[t]));
            }
            // The merged weights are saved in float32 (a bf16 rounding would swallow the update).
            assertTrue(worst <= 2e-3, "score --adapter differs from the merged policy by " + worst);
            assertTrue(moved > 1e-2, "the adapter moved the log-probabilities (" + moved + ")");
            System.out.printf("lora score: max |adapter - merged| = %.2e, max |adapter - base| = %.2e%n", worst, moved);

            // A changed base (one byte of config.json) must not be resumed on.
            Path config = policy.resolve("config.json");
            Files.writeString(config, Files.readString(config) + "\n");
            List<String> further = new ArrayList<>(List.of(lora));
            further.add("sppo4j.learner.max-steps=121");
            CliRun.Result resumed = CliRun.run(trainArguments(policy, judge, out, "sppo4j.learner.max-steps=121",
                    further.toArray(String[]::new)));
            assertTrue(resumed.code() != 0, "resumed on a changed base: " + resumed.err());
            assertTrue(resumed.err().contains("lora_base_checksum"), resumed.err());
        }
    }

    private Path tinyLlama() throws Exception {
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
        return policy;
    }

    /** An LLM judge behind a chat-completions API that prefers the response with more lowercase letters. */
    private static FakeChatServer lowercaseJudge() throws Exception {
        return new FakeChatServer(question -> {
            int a = lowercase(question.responseA());
            int b = lowercase(question.responseB());
            return FakeChatServer.Reply.logprobs(a > b ? 0.95 : a < b ? 0.05 : 0.5);
        });
    }

    private JsonObject train(Path policy, FakeChatServer judge, Path out, String... settings) {
        CliRun.Result result = CliRun.run(trainArguments(policy, judge, out, "sppo4j.learner.max-steps=60", settings));
        assertEquals(0, result.code(), result.err());
        JsonObject summary = result.lastJsonLine();
        System.out.println("train summary: " + summary);
        return summary;
    }

    private String[] trainArguments(Path policy, FakeChatServer judge, Path out, String steps, String... settings) {
        List<String> arguments = new ArrayList<>(List.of("train", "--out", out.toString(), "--json",
                "--set", "sppo4j.policy.path=" + policy,
                "--set", "sppo4j.prompts.path=" + dir.resolve("prompts.jsonl"),
                "--set", "sppo4j.judge.type=http",
                "--set", "sppo4j.judge.http.base-url=" + judge.baseUrl(),
                "--set", "sppo4j.judge.http.max-concurrency=4",
                "--set", "sppo4j.sampling.max-new-tokens=8",
                "--set", steps,
                "--set", "sppo4j.eval.every=30",
                "--set", "sppo4j.eval.prompts=" + EVAL_PROMPTS,
                // As many distinct held-out prompts as evaluations: the margin below assumes them independent.
                "--set", "sppo4j.prompts.held-out=" + EVAL_PROMPTS,
                "--set", "sppo4j.learner.device=cpu", "--set", "sppo4j.rollout.device=cpu"));
        for (String setting : settings) {
            arguments.add("--set");
            arguments.add(setting);
        }
        return arguments.toArray(String[]::new);
    }

    private static void assertRaisedWinRate(JsonObject summary) {
        double winRate = summary.get("winrate_vs_ref").getAsDouble();
        // A policy that learned nothing wins half; three standard errors of a win rate over the
        // evaluation prompts (at most sqrt(1/4n) each) is the margin that rules chance out.
        double margin = 3 * Math.sqrt(0.25 / EVAL_PROMPTS);
        assertTrue(winRate > 0.5 + margin, "win rate over the starting checkpoint " + winRate + ", not above 1/2 + "
                + margin + ": " + summary);
    }

    private static float[] tokenLogProbs(CliRun.Result score) {
        assertEquals(0, score.code(), score.err());
        JsonArray values = score.lastJsonLine().getAsJsonArray("token_logprobs");
        float[] logProbs = new float[values.size()];
        for (int i = 0; i < logProbs.length; i++) {
            logProbs[i] = values.get(i).getAsFloat();
        }
        return logProbs;
    }

    private static int lowercase(String text) {
        return (int) text.chars().filter(c -> c >= 'a' && c <= 'z').count();
    }
}
