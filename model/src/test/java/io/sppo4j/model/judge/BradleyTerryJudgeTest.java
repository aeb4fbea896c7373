package io.sppo4j.model.judge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class BradleyTerryJudgeTest {

    /** Rewards a response by its length, and counts its calls. */
    private static final class LengthScorer implements RewardScorer {
        int calls;
        boolean closed;
        double[] override;

        @Override
        public double[] rewards(String prompt, List<String> responses) {
            calls++;
            return override != null ? override : responses.stream().mapToDouble(String::length).toArray();
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    @Test
    void preferenceIsTheLogisticOfTheRewardGap() {
        LengthScorer scorer = new LengthScorer();
        BradleyTerryJudge judge = new BradleyTerryJudge("reward-model", scorer);
        double[][] p = judge.preferences("x", List.of("aaa", "a", "aa"));
        PreferenceMatrices.validate(p, "bradley-terry");
        assertEquals(1, scorer.calls, "one scoring call per group");
        assertEquals(1 / (1 + Math.exp(-2)), p[0][1], 1e-12);
        assertEquals(1 / (1 + Math.exp(1)), p[1][2], 1e-12);
        assertEquals(0.5, p[2][2]);
        assertEquals(0, PreferenceMatrices.cyclicTriadShare(p), "Bradley–Terry is transitive");
    }

    @Test
    void hugeRewardGapsSaturateWithoutOverflow() {
        LengthScorer scorer = new LengthScorer();
        scorer.override = new double[] {1e6, -1e6};
        double[][] p = new BradleyTerryJudge("reward-model", scorer).preferences("x", List.of("a", "b"));
        assertEquals(1.0, p[0][1]);
        assertEquals(0.0, p[1][0]);
    }

    @Test
    void aScorerThatMiscountsOrGivesNaNIsRefused() {
        LengthScorer scorer = new LengthScorer();
        BradleyTerryJudge judge = new BradleyTerryJudge("reward-model", scorer);
        scorer.override = new double[] {1};
        IllegalArgumentException miscount =
                assertThrows(IllegalArgumentException.class, () -> judge.preferences("x", List.of("a", "b")));
        assertTrue(miscount.getMessage().contains("1 rewards for 2 responses"), miscount.getMessage());
        scorer.override = new double[] {1, Double.NaN};
        IllegalArgumentException nan =
                assertThrows(IllegalArgumentException.class, () -> judge.preferences("x", List.of("a", "b")));
        assertTrue(nan.getMessage().contains("response 1"), nan.getMessage());
    }

    @Test
    void closingTheJudgeClosesItsScorer() {
        LengthScorer scorer = new LengthScorer();
        new BradleyTerryJudge("reward-model", scorer).close();
        assertTrue(scorer.closed);
    }
}
