package io.sppo4j.model.judge;

import com.typesafe.config.Config;
import io.sppo4j.model.config.ConfigReader;
import io.sppo4j.model.judge.http.HttpJudgeObserver;
import io.sppo4j.model.judge.http.HttpJudgeSettings;
import io.sppo4j.model.judge.http.HttpPairwiseJudge;
import io.sppo4j.model.judge.pairrm.PairRmJudge;
import io.sppo4j.model.judge.pairrm.PairRmSettings;

import java.util.Arrays;
import java.util.Locale;
import java.util.function.Supplier;

/** Builds the judge that {@code sppo4j.judge.type} names. */
public final class Judges {

    /** The kinds of judge. */
    public enum Type {
        /** The task's own judge (sort: edit distance to the sorted digits; game: the game's matrix). */
        RULE("rule"),
        /** Bradley–Terry over a scalar reward model: σ(r_i − r_j). */
        REWARD_MODEL("reward-model"),
        /** An LLM behind an OpenAI-compatible chat-completions API, asked about each pair in both orders. */
        HTTP("http"),
        /** LLM-Blender's PairRM (a DeBERTa-v2 pairwise ranker), both orders, as the SPPO paper judged. */
        PAIRRM("pairrm");

        private final String configName;

        Type(String configName) {
            this.configName = configName;
        }

        public String configName() {
            return configName;
        }
    }

    private Judges() {}

    /** Reads {@code sppo4j.judge.type}; an unknown value fails naming the key and the choices. */
    public static Type type(Config config) {
        ConfigReader judge = new ConfigReader(config, "sppo4j.judge");
        String value = judge.getString("type").trim().toLowerCase(Locale.ROOT);
        Type found = Arrays.stream(Type.values()).filter(type -> type.configName.equals(value)).findFirst().orElse(null);
        judge.check(found != null, "type", "must be rule, reward-model, http or pairrm, got '" + value + "'");
        return found;
    }

    /**
     * The judge the configuration asks for. Only the chosen kind is built: the reward model is
     * loaded only for {@code reward-model}, PairRM only for {@code pairrm}, no HTTP client exists
     * unless {@code http}. A judge
     * that is {@link AutoCloseable} belongs to the caller, who closes it at the end of the run.
     *
     * @param ruleJudge the task's own judge ({@code task::judge})
     * @param rewardScorer loads the reward model; the returned judge owns the scorer
     * @param observer receives the HTTP judge's requests, retries, failures and cache hits
     */
    public static PreferenceModel fromConfig(
            Config config, Supplier<PreferenceModel> ruleJudge, Supplier<RewardScorer> rewardScorer,
            HttpJudgeObserver observer) {
        return switch (type(config)) {
            case RULE -> ruleJudge.get();
            case REWARD_MODEL -> new BradleyTerryJudge(Type.REWARD_MODEL.configName(), rewardScorer.get());
            case HTTP -> new HttpPairwiseJudge(HttpJudgeSettings.from(config), observer);
            case PAIRRM -> PairRmJudge.load(PairRmSettings.from(config));
        };
    }
}
