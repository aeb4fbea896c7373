package io.sppo4j.cluster.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
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
 * The README's recipe command, {@code train --config config/sppo-paper.conf}, at a tiny scale: a
 * tiny Llama checkpoint, a prompt file and an http judge, with the profile's RMSProp, sppo-pair
 * with the official win rate and the iterations schedule; only the sizes are overridden.
 */
class PaperRecipeTrainingTest {

    @TempDir
    Path dir;

    @Test
    void thePaperProfileTrainsAHuggingFaceCheckpointOnAPromptFile() throws Exception {
        Path policy = dir.resolve("tiny-llama");
        TinyHfModels.write(policy, TinyHfModels.Kind.LLAMA, TensorDType.F32, 1, 7, config -> {
            config.addProperty("vocab_size", HfTestModels.CHAT_VOCAB);
            config.addProperty("max_position_embeddings", 96);
        });
        HfTestModels.copyChatTokenizer(policy);
        Path prompts = dir.resolve("prompts.jsonl");
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            lines.add("{\"prompt\": \"Say something, number " + i + ".\"}");
        }
        Files.write(prompts, lines);
        Path profile = Path.of("..", "config", "sppo-paper.conf");
        try (FakeChatServer judge = new FakeChatServer(question -> FakeChatServer.Reply.logprobs(
                question.responseA().length() > question.responseB().length() ? 0.9 : 0.1))) {
            CliRun.Result result = CliRun.run("train", "--config", profile.toString(), "--out",
                    dir.resolve("run").toString(), "--json",
                    "--set", "sppo4j.policy.path=" + policy,
                    "--set", "sppo4j.prompts.path=" + prompts,
                    "--set", "sppo4j.judge.type=http",
                    "--set", "sppo4j.judge.http.base-url=" + judge.baseUrl(),
                    "--set", "sppo4j.iterations.count=2",
                    "--set", "sppo4j.iterations.prompts=4",
                    "--set", "sppo4j.learner.groups-per-step=2",
                    "--set", "sppo4j.learner.capacity=4",
                    "--set", "sppo4j.sampling.max-new-tokens=6",
                    "--set", "sppo4j.eval.prompts=4",
                    "--set", "sppo4j.learner.device=cpu", "--set", "sppo4j.rollout.device=cpu");
            assertEquals(0, result.code(), result.err());
            JsonObject summary = result.lastJsonLine();
            System.out.println("paper recipe summary: " + summary);
            assertTrue(judge.requests() > 0, "the judge was asked");
            assertEquals("sppo-pair", summary.get("algorithm").getAsString());
            assertEquals("iterations", summary.get("schedule").getAsString());
            // 2 iterations × 4 prompts × 1 epoch / 2 groups per step.
            assertEquals(4, summary.get("steps").getAsInt(), summary.toString());
            assertEquals(0, summary.get("skipped_steps").getAsInt(), summary.toString());
            assertTrue(Files.isDirectory(Path.of(summary.get("policy_dir").getAsString())), summary.toString());
        }
    }
}
