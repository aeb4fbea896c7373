package io.sppo4j.cluster.setup;

import com.typesafe.config.Config;
import io.sppo4j.model.config.ConfigReader;
import io.sppo4j.model.hf.HfModels;
import io.sppo4j.model.hf.HfRewardModel;
import io.sppo4j.model.hf.HfRewardScorer;
import io.sppo4j.model.judge.Judges;
import io.sppo4j.model.judge.PreferenceModel;
import io.sppo4j.model.judge.RewardScorer;
import io.sppo4j.model.judge.http.HttpJudgeObserver;
import io.sppo4j.model.nd.Devices;
import io.sppo4j.model.text.HfTokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * The judge {@code sppo4j.judge.type} names, built from the configuration alone: what training
 * and the {@code eval} command share. A judge that is {@link AutoCloseable} belongs to the caller.
 */
public final class Judging {

    private static final String JUDGE = "sppo4j.judge";

    private Judging() {}

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
        return Judges.fromConfig(config, ruleJudge, () -> rewardScorer(config), observer);
    }

    /** Fails with {@code message} on {@code sppo4j.judge.type} when it names the rule judge. */
    public static void requireModelJudge(Config config, String message) {
        new ConfigReader(config, JUDGE).check(Judges.type(config) != Judges.Type.RULE, "type", message);
    }

    /**
     * The reward model of {@code sppo4j.judge.reward-model}, on the device its {@code device}
     * key names, reading prompt and response with its own tokenizer. The caller owns it.
     */
    public static RewardScorer rewardScorer(Config config) {
        ConfigReader reward = new ConfigReader(config, JUDGE + ".reward-model");
        String path = reward.getString("path");
        reward.check(!path.isBlank(), "path", "the reward-model judge needs a reward model's directory");
        Path directory = Path.of(path);
        try {
            HfTokenizer tokenizer = HfTokenizer.load(directory);
            HfRewardModel model = HfModels.loadReward(directory,
                    Devices.parse(reward.getString("device"), reward.path("device")));
            return HfRewardScorer.concatenating(model, tokenizer::encodePrompt);
        } catch (IOException e) {
            throw new UncheckedIOException(reward.path("path") + ": cannot load " + directory + ": " + e.getMessage(), e);
        }
    }
}
