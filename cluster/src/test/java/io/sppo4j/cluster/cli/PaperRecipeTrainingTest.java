package io.sppo4j.cluster.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.sppo4j.model.hf.HfTestModels;
import io.sppo4j.model.hf.TinyHfModels;
import io.sppo4j.model.judge.http.FakeChatServer;
import io.sppo4j.model.judge.pairrm.RandomPairRm;
import io.sppo4j.model.weights.TensorDType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's recipe command, {@code train --config config/sppo-paper.conf}, at a tiny scale: a
 * tiny Llama checkpoint, a prompt file and each of the three judges, with the profile's RMSProp, sppo-pair
 * with the official win rate and the iterations schedule; only the sizes are overridden.
 */
class PaperRecipeTrainingTest {

    @TempDir
    Path dir;

    /** The README's three judges for the recipe: PairRM (a tiny random one), a reward model, an http LLM. */
    @ParameterizedTest
    @ValueSource(strings = {"http", "pairrm", "reward-model"})
    void thePaperProfileTrainsAHuggingFaceCheckpointOnAPromptFile(String judgeType) throws Exception {
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
            List<String> judgeSettings = switch (judgeType) {
                // With the http judge, a prompt limit every rendered prompt exceeds: each is cut, and counted.
                case "http" -> List.of("--set", "sppo4j.judge.type=http", "--set", "sppo4j.judge.http.base-url=" + judge.baseUrl(),
                        "--set", "sppo4j.prompts.max-tokens=8");
                case "pairrm" -> {
                    Path pairRm = dir.resolve("pairrm");
                    RandomPairRm.write(pairRm, new RandomPairRm.Shape(16, 1, 2, 24, 4, 10, true, List.of("p2c", "c2p"), true,
                            1, 120), TensorDType.F32, 3);
                    yield List.of("--set", "sppo4j.judge.pairrm.path=" + pairRm, "--set", "sppo4j.judge.pairrm.device=cpu");
                }
                default -> {
                    Path rewardModel = HfTestModels.lastTokenRewardModel(dir.resolve("reward"), 5, Set.of(1));
                    yield List.of("--set", "sppo4j.judge.type=reward-model", "--set",
                            "sppo4j.judge.reward-model.path=" + rewardModel, "--set", "sppo4j.judge.reward-model.device=cpu");
                }
            };
            List<String> args = new ArrayList<>(List.of("train", "--config", profile.toString(), "--out",
                    dir.resolve("run").toString(), "--json",
                    "--set", "sppo4j.policy.path=" + policy,
                    "--set", "sppo4j.prompts.path=" + prompts,
                    "--set", "sppo4j.iterations.count=2",
                    "--set", "sppo4j.iterations.prompts=4",
                    "--set", "sppo4j.learner.groups-per-step=2",
                    "--set", "sppo4j.learner.capacity=4",
                    "--set", "sppo4j.sampling.max-new-tokens=6",
                    "--set", "sppo4j.eval.prompts=4",
                    "--set", "sppo4j.learner.device=cpu", "--set", "sppo4j.rollout.device=cpu"));
            args.addAll(judgeSettings);
            CliRun.Result result = CliRun.run(args.toArray(String[]::new));
            assertEquals(0, result.code(), result.err());
            JsonObject summary = result.lastJsonLine();
            System.out.println("paper recipe summary (" + judgeType + "): " + summary);
            assertEquals(judgeType.equals("http"), judge.requests() > 0, "only the http judge asks the server");
            assertEquals("sppo-pair", summary.get("algorithm").getAsString());
            assertEquals("iterations", summary.get("schedule").getAsString());
            // 2 iterations × 4 prompts × 1 epoch / 2 groups per step.
            assertEquals(4, summary.get("steps").getAsInt(), summary.toString());
            assertEquals(0, summary.get("skipped_steps").getAsInt(), summary.toString());
            if (judgeType.equals("http")) {
                assertEquals(8, summary.get("max_prompt_tokens").getAsInt(), summary.toString());
                assertTrue(summary.get("prompts_cut").getAsInt() >= 8, "every prompt sampled was cut: " + summary);
            } else {
                // The profile's 512-token prompt limit, which these short prompts never reach.
                assertEquals(512, summary.get("max_prompt_tokens").getAsInt(), summary.toString());
                assertEquals(0, summary.get("prompts_cut").getAsInt(), summary.toString());
            }
            assertTrue(Files.isDirectory(Path.of(summary.get("policy_dir").getAsString())), summary.toString());
        }
    }
}
