package io.sppo4j.cluster.shipped;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.sppo4j.model.hf.HfModelDirectory;
import io.sppo4j.model.hf.HfTestModels;
import io.sppo4j.model.judge.http.LoopbackJudge;
import io.sppo4j.model.tokenizer.RealTokenizers;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./sppo train --set sppo4j.policy.path=DIR} through the shipped jar on a model directory
 * with Qwen3's tokenizer files (chat template included) and a chat prompt file: the prompts render
 * inside the jar, the learner takes real steps over the full 151,936-token vocabulary, and the
 * trained policy leaves as a Hugging Face directory with the same tokenizer files.
 */
class ReleasedTokenizerTrainIT {

    private static final int STEPS = 4;

    @TempDir
    Path dir;

    @Test
    void trainingAPolicyWithQwen3sTokenizerTakesStepsAndExportsIt() throws Exception {
        Path policy = HfTestModels.releasedLlama(dir.resolve("policy"), RealTokenizers.QWEN3, 11);
        Path prompts = dir.resolve("prompts.jsonl");
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            lines.add("{\"messages\": [{\"role\": \"user\", \"content\": \"Write a word for " + i + ", 日本語 🙂.\"}]}");
        }
        Files.write(prompts, lines);
        Path out = dir.resolve("run");
        try (LoopbackJudge judge = new LoopbackJudge((a, b) -> a.length() > b.length() ? 0.8 : a.length() < b.length() ? 0.2 : 0.5)) {
            ShippedJar.Result result = ShippedJar.run(dir, Duration.ofMinutes(10), ShippedJar.launcher(
                    "train", "--json", "--out", out.toString(),
                    "--set", "sppo4j.policy.path=" + policy, "--set", "sppo4j.prompts.path=" + prompts,
                    "--set", "sppo4j.judge.type=http", "--set", "sppo4j.judge.http.base-url=" + judge.baseUrl(),
                    "--set", "sppo4j.sampling.max-new-tokens=4", "--set", "sppo4j.learner.learning-rate=1e-3",
                    "--set", "sppo4j.learner.warmup-steps=1",
                    "--set", "sppo4j.learner.max-steps=" + STEPS, "--set", "sppo4j.learner.groups-per-step=2",
                    "--set", "sppo4j.rollout.group-size=2", "--set", "sppo4j.rollout.groups-per-batch=2",
                    "--set", "sppo4j.rollout.prefetch=4", "--set", "sppo4j.eval.every=1000",
                    "--set", "sppo4j.eval.prompts=4", "--set", "sppo4j.eval.batch-size=4"));
            assertEquals(0, result.code(), result.describe());
            JsonObject summary = result.lastJsonLine();
            assertEquals(STEPS, summary.get("steps").getAsInt(), summary.toString());
            assertEquals(STEPS * 2 * 2, summary.get("samples").getAsInt(), summary.toString());
            assertTrue(judge.requests() > 0, "the judge was asked");

            Path trained = Path.of(summary.get("policy_dir").getAsString());
            for (String file : List.of("tokenizer.json", "tokenizer_config.json", "generation_config.json")) {
                assertArrayEquals(Files.readAllBytes(policy.resolve(file)), Files.readAllBytes(trained.resolve(file)), file);
            }
            HfModelDirectory before = HfModelDirectory.read(policy);
            HfModelDirectory after = HfModelDirectory.read(trained);
            assertEquals(before.dtypes(), after.dtypes(), "saved in the dtypes it was loaded in");
            assertFalse(Arrays.equals(before.tensor("lm_head.weight").toFloats(), after.tensor("lm_head.weight").toFloats()),
                    "the steps changed the weights");
        }
    }
}
