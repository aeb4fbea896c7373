package io.sppo4j.cluster.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.sppo4j.model.hf.HfTestModels;
import io.sppo4j.model.hf.TinyHfModels;
import io.sppo4j.model.judge.pairrm.RandomPairRm;
import io.sppo4j.model.weights.TensorDType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sppo train} with {@code sppo4j.judge.type = pairrm}: the judge workers call PairRM from
 * their own threads on every group, and the run completes its steps (the judgements of a random
 * PairRM mean nothing, so nothing is asserted about the win rate).
 */
class PairRmTrainingTest {

    @TempDir
    Path dir;

    @Test
    void trainingWithThePairRmJudgeRunsEveryStep() throws Exception {
        Path policy = dir.resolve("tiny-llama");
        TinyHfModels.write(policy, TinyHfModels.Kind.LLAMA, TensorDType.F32, 1, 7, config -> {
            config.addProperty("vocab_size", HfTestModels.CHAT_VOCAB);
            config.addProperty("max_position_embeddings", 96);
        });
        HfTestModels.copyChatTokenizer(policy);
        Path pairRm = dir.resolve("pairrm");
        RandomPairRm.write(pairRm, new RandomPairRm.Shape(16, 1, 2, 24, 4, 10, true, List.of("p2c", "c2p"), true, 1, 120),
                TensorDType.F32, 3);
        Path prompts = dir.resolve("prompts.jsonl");
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            lines.add("{\"prompt\": \"Say something, number " + i + ".\"}");
        }
        Files.write(prompts, lines);

        CliRun.Result result = CliRun.run("train", "--out", dir.resolve("run").toString(), "--json",
                "--set", "sppo4j.policy.path=" + policy,
                "--set", "sppo4j.prompts.path=" + prompts,
                "--set", "sppo4j.judge.type=pairrm",
                "--set", "sppo4j.judge.pairrm.path=" + pairRm,
                "--set", "sppo4j.judge.pairrm.device=cpu",
                "--set", "sppo4j.sampling.max-new-tokens=6",
                "--set", "sppo4j.learner.max-steps=4",
                "--set", "sppo4j.eval.every=4",
                "--set", "sppo4j.eval.prompts=4",
                "--set", "sppo4j.learner.device=cpu", "--set", "sppo4j.rollout.device=cpu");
        assertEquals(0, result.code(), result.err());
        JsonObject summary = result.lastJsonLine();
        assertEquals(4, summary.get("steps").getAsInt(), summary.toString());
        assertTrue(summary.get("samples").getAsLong() > 0, summary.toString());
        double winRate = summary.get("winrate_vs_ref").getAsDouble();
        assertTrue(winRate >= 0 && winRate <= 1, summary.toString());
    }
}
