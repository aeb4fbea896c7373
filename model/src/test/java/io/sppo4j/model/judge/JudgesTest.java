package io.sppo4j.model.judge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import io.sppo4j.model.config.EffectiveConfig;
import io.sppo4j.model.judge.http.HttpJudgeObserver;
import io.sppo4j.model.judge.http.HttpJudgeSettings;
import io.sppo4j.model.judge.http.HttpPairwiseJudge;
import io.sppo4j.model.judge.http.PairwiseTemplate;
import io.sppo4j.model.judge.pairrm.PairRmJudge;
import io.sppo4j.model.judge.pairrm.PairRmSettings;
import io.sppo4j.model.judge.pairrm.RandomPairRm;
import io.sppo4j.model.weights.TensorDType;
import io.sppo4j.model.task.sort.SortJudge;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JudgesTest {

    private static Config with(String... overrides) {
        return EffectiveConfig.load(List.of(), List.of(overrides));
    }

    @Test
    void theRuleJudgeIsTheDefault() {
        PreferenceModel rule = new SortJudge();
        assertSame(rule, Judges.fromConfig(EffectiveConfig.defaults(), () -> rule, () -> {
            throw new AssertionError("no reward model is loaded for the rule judge");
        }, HttpJudgeObserver.NONE));
    }

    @Test
    void rewardModelBuildsBradleyTerryOverTheSuppliedScorer() {
        RewardScorer scorer = new RewardScorer() {
            @Override
            public double[] rewards(String prompt, List<String> responses) {
                return new double[responses.size()];
            }

            @Override
            public void close() {}
        };
        PreferenceModel judge = Judges.fromConfig(with("sppo4j.judge.type=reward-model"), SortJudge::new, () -> scorer,
                HttpJudgeObserver.NONE);
        assertInstanceOf(BradleyTerryJudge.class, judge);
        assertEquals("reward-model", judge.name());
    }

    @Test
    void httpBuildsTheLlmJudgeFromItsDefaults() {
        PreferenceModel judge = Judges.fromConfig(with("sppo4j.judge.type=http", "sppo4j.judge.http.model=qwen"),
                SortJudge::new, () -> null, HttpJudgeObserver.NONE);
        try (HttpPairwiseJudge http = assertInstanceOf(HttpPairwiseJudge.class, judge)) {
            assertEquals("http-qwen", http.name());
            HttpJudgeSettings settings = http.settings();
            assertEquals("http://127.0.0.1:8000/v1/chat/completions", settings.endpoint().toString());
            assertEquals("OPENAI_API_KEY", settings.apiKeyEnv());
            assertEquals(Duration.ofSeconds(60), settings.requestTimeout());
            assertEquals(HttpJudgeSettings.Unparsable.RETRY, settings.unparsable());
            assertEquals("", PairwiseTemplate.missingPlaceholders(settings.template().text()));
        }
    }

    @Test
    void pairRmLoadsTheDirectoryItsSettingsName(@TempDir Path dir) throws IOException {
        RandomPairRm.write(dir, new RandomPairRm.Shape(16, 1, 2, 24, 4, 10, true, List.of("p2c", "c2p"), true, 1, 120),
                TensorDType.F32, 3);
        PreferenceModel judge = Judges.fromConfig(with("sppo4j.judge.type=pairrm", "sppo4j.judge.pairrm.path=\"" + dir + "\"",
                "sppo4j.judge.pairrm.device=cpu", "sppo4j.judge.pairrm.batch-size=20"), SortJudge::new, () -> null,
                HttpJudgeObserver.NONE);
        try (PairRmJudge pairRm = assertInstanceOf(PairRmJudge.class, judge)) {
            assertEquals("pairrm", pairRm.name());
            assertEquals(20, pairRm.settings().batchSize());
            assertEquals(1224, pairRm.settings().maxSourceTokens());
            assertEquals(412, pairRm.settings().maxCandidateTokens());
            PreferenceMatrices.validate(pairRm.preferences("hello", List.of("yes", "no", "hello world")), "pairrm");
        }
    }

    @Test
    void wrongValuesFailNamingTheirKey() {
        assertKey("sppo4j.judge.pairrm.path", () -> Judges.fromConfig(with("sppo4j.judge.type=pairrm"), SortJudge::new,
                () -> null, HttpJudgeObserver.NONE));
        assertKey("sppo4j.judge.pairrm.dtype", () -> PairRmSettings.from(with("sppo4j.judge.pairrm.path=x",
                "sppo4j.judge.pairrm.dtype=bf16")));
        assertKey("sppo4j.judge.pairrm.batch-size", () -> PairRmSettings.from(with("sppo4j.judge.pairrm.path=x",
                "sppo4j.judge.pairrm.batch-size=0")));
        assertKey("sppo4j.judge.type", () -> Judges.type(with("sppo4j.judge.type=oracle")));
        assertKey("sppo4j.judge.http.base-url", () -> HttpJudgeSettings.from(with("sppo4j.judge.http.base-url=\"ftp://x/v1\"")));
        assertKey("sppo4j.judge.http.template", () -> HttpJudgeSettings.from(with("sppo4j.judge.http.template=\"{prompt} {response_a}\"")));
        assertKey("sppo4j.judge.http.unparsable", () -> HttpJudgeSettings.from(with("sppo4j.judge.http.unparsable=guess")));
        assertKey("sppo4j.judge.http.max-backoff", () -> HttpJudgeSettings.from(with("sppo4j.judge.http.max-backoff=1ms")));
        assertKey("sppo4j.judge.http.top-logprobs", () -> HttpJudgeSettings.from(with("sppo4j.judge.http.top-logprobs=50")));
        assertKey("sppo4j.judge.http.request-timeout", () -> HttpJudgeSettings.from(with("sppo4j.judge.http.request-timeout=0s")));
        assertKey("sppo4j.judge.http.max-concurrency", () -> HttpJudgeSettings.from(with("sppo4j.judge.http.max-concurrency=0")));
    }

    private static void assertKey(String key, Runnable read) {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, read::run);
        assertTrue(error.getMessage().contains(key), error.getMessage());
    }
}
