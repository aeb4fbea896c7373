package io.sppo4j.model.judge;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.typesafe.config.Config;
import io.sppo4j.model.config.ConfigReader;
import io.sppo4j.model.hf.HfModels;
import io.sppo4j.model.hf.HfRewardModel;
import io.sppo4j.model.hf.HfRewardScorer;
import io.sppo4j.model.judge.http.HttpJudgeObserver;
import io.sppo4j.model.judge.http.HttpJudgeSettings;
import io.sppo4j.model.judge.http.HttpPairwiseJudge;
import io.sppo4j.model.judge.pairrm.PairRmJudge;
import io.sppo4j.model.judge.pairrm.PairRmSettings;
import io.sppo4j.model.nd.Devices;
import io.sppo4j.model.nd.Precision;
import io.sppo4j.model.tokenizer.HfTokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Builds the judge that {@code sppo4j.judge.type} names, from the configuration alone: what
 * training, {@code eval} and {@code generate --best-of} share. A judge that is
 * {@link AutoCloseable} belongs to the caller.
 */
public final class Judges {

    private static final String JUDGE = "sppo4j.judge";

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
        ConfigReader judge = new ConfigReader(config, JUDGE);
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

    /**
     * The configured judge where no task supplies a rule judge (a prompt file, an evaluation):
     * {@code rule} fails naming the key.
     */
    public static PreferenceModel fromConfig(Config config, HttpJudgeObserver observer) {
        requireModelJudge(config, "a prompt file has no rule judge: set it to reward-model, http or pairrm");
        return fromConfig(config, () -> {
            throw new IllegalStateException("unreachable: the rule judge was refused above");
        }, observer);
    }

    /** The configured judge; {@code ruleJudge} is the task's own judge, asked for only when the type is rule. */
    public static PreferenceModel fromConfig(Config config, Supplier<PreferenceModel> ruleJudge, HttpJudgeObserver observer) {
        return fromConfig(config, ruleJudge, () -> rewardScorer(config), observer);
    }

    /** Fails with {@code message} on {@code sppo4j.judge.type} when it names the rule judge. */
    public static void requireModelJudge(Config config, String message) {
        new ConfigReader(config, JUDGE).check(type(config) != Type.RULE, "type", message);
    }

    /**
     * The reward model of {@code sppo4j.judge.reward-model}, on the device its {@code device}
     * key names, reading prompt and response with its own tokenizer. The caller owns it (and
     * through it the model and the tokenizer).
     */
    public static RewardScorer rewardScorer(Config config) {
        ConfigReader reward = new ConfigReader(config, JUDGE + ".reward-model");
        String path = reward.getString("path");
        reward.check(!path.isBlank(), "path", "the reward-model judge needs a reward model's directory");
        Path directory = Path.of(path);
        Device device = Devices.parse(reward.getString("device"), reward.path("device"));
        Precision precision = Precision.parse(reward.getString("dtype"), false, reward.path("dtype"));
        try {
            HfTokenizer tokenizer = HfTokenizer.load(directory);
            try {
                HfRewardModel model = HfModels.loadReward(directory, NDManager.newBaseManager(device), device, precision);
                return HfRewardScorer.reading(model, tokenizer);
            } catch (IOException | RuntimeException e) {
                tokenizer.close();
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(reward.path("path") + ": cannot load " + directory + ": " + e.getMessage(), e);
        }
    }
}
