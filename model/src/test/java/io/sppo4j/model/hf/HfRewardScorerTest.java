package io.sppo4j.model.hf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.sppo4j.model.hf.TinyHfModels.Kind;
import io.sppo4j.model.judge.RewardScorer;
import io.sppo4j.model.weights.TensorDType;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A reward model behind the RewardScorer seam, with a stand-in tokenizer (one id per character). */
class HfRewardScorerTest {

    @TempDir
    Path temp;

    @Test
    void scoresEachResponseAfterThePromptAsTheModelScoresTheJoinedIds() throws IOException {
        TinyHfModels.Fixture fixture = TinyHfModels.write(temp.resolve("r"), Kind.GPT2_REWARD, TensorDType.BF16, 1, 71);
        NaiveReference reference = new NaiveReference(fixture);
        HfRewardModel model = HfModels.loadReward(fixture.directory(), Device.cpu());
        try (RewardScorer scorer = HfRewardScorer.concatenating(model, HfRewardScorerTest::encode)) {
            List<String> responses = List.of("sorted", "no", "a longer answer");
            double[] rewards = scorer.rewards("Q: ", responses);
            assertEquals(3, rewards.length);
            for (int i = 0; i < responses.size(); i++) {
                assertEquals(reference.reward(encode("Q: " + responses.get(i))), rewards[i], HfLogitsTest.TOLERANCE);
            }
        }
    }

    @Test
    void anOverlongSequenceKeepsItsEndWhereTheRewardIsRead() throws IOException {
        TinyHfModels.Fixture fixture = TinyHfModels.write(temp.resolve("r"), Kind.LLAMA_REWARD, TensorDType.F32, 1, 72);
        HfRewardModel model = HfModels.loadReward(fixture.directory(), Device.cpu());
        String response = "x".repeat(TinyHfModels.CONTEXT) + "the end";
        try (HfRewardScorer scorer = new HfRewardScorer(model, (prompt, text) -> encode(prompt + "|" + text))) {
            int[] ids = encode("prompt|" + response);
            int[] kept = Arrays.copyOfRange(ids, ids.length - TinyHfModels.CONTEXT, ids.length);
            // The plain-Java forward pass, sharing nothing with the model, on the last CONTEXT ids;
            // the first CONTEXT ids (all of them 'x' and the prompt) would score differently.
            double[] rewards = scorer.rewards("prompt", List.of(response));
            NaiveReference reference = new NaiveReference(fixture);
            assertEquals(reference.reward(kept), rewards[0], HfLogitsTest.TOLERANCE);
            int[] head = Arrays.copyOfRange(ids, 0, TinyHfModels.CONTEXT);
            assertTrue(Math.abs(reference.reward(head) - rewards[0]) > 10 * HfLogitsTest.TOLERANCE,
                    "the test could not tell the start from the end");
        }
    }

    private static int[] encode(String text) {
        return text.chars().map(c -> c % TinyHfModels.VOCAB).toArray();
    }
}
