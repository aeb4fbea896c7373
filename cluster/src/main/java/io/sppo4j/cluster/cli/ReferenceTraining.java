package io.sppo4j.cluster.cli;

import io.sppo4j.cluster.setup.TaskSetup;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigRenderOptions;
import io.sppo4j.model.checkpoint.Checkpoint;
import io.sppo4j.model.checkpoint.CheckpointStore;
import io.sppo4j.model.nd.Devices;
import io.sppo4j.model.policy.LanguageModel;
import io.sppo4j.model.sampling.PolicyLogits;
import io.sppo4j.model.sampling.Sampler;
import io.sppo4j.model.sampling.SamplingConfig;
import io.sppo4j.model.sampling.TextSampling;
import io.sppo4j.model.sft.Demonstrations;
import io.sppo4j.model.sft.SftConfig;
import io.sppo4j.model.sft.SupervisedFineTuning;
import io.sppo4j.model.task.sort.SortQuality;
import io.sppo4j.model.weights.TensorEncoding;
import io.sppo4j.model.weights.WeightSnapshot;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Supervised fine-tuning of the reference policy, and its cache: a reference saved with the
 * fingerprint of the settings that produced it is reused as long as those settings stay the same.
 */
final class ReferenceTraining {

    /** Settings that change what SFT produces; anything else may change without retraining. */
    private static final List<String> FINGERPRINTED = List.of(
            "sppo4j.seed", "sppo4j.task", "sppo4j.policy", "sppo4j.sft", "sppo4j.tasks", "sppo4j.sampling");
    private static final String FINGERPRINT = "fingerprint";
    /**
     * Part of the fingerprint: bumped when the built-in policy's parameters change name or
     * layout, so a reference cached by an older build is retrained rather than refused.
     * 2: the GPT-2 configuration of the one decoder ({@code transformer.h.0.attn.c_attn.weight}, (in, out)).
     */
    private static final int POLICY_LAYOUT = 2;

    /**
     * @param weights the reference policy's weights, version 0
     * @param quality held-out quality of sampled responses
     */
    record Result(
            WeightSnapshot weights, Path checkpoint, boolean reused, double lossBefore, double lossAfter,
            double trainLossFinal, SortQuality quality, double seconds) {}

    private ReferenceTraining() {}

    /** The cached reference under {@code directory} if its fingerprint matches, else a new one saved there. */
    static Result obtain(TaskSetup setup, SftConfig sft, Device device, Path directory) throws IOException {
        String fingerprint = fingerprint(setup.config(), sft);
        CheckpointStore store = new CheckpointStore(directory, 1);
        Optional<Checkpoint> cached = store.loadNewest();
        if (cached.isPresent() && fingerprint.equals(cached.get().extra().get(FINGERPRINT))) {
            Checkpoint checkpoint = cached.get();
            Map<String, String> extra = checkpoint.extra();
            System.err.printf(Locale.ROOT, "reference: reusing %s (same settings)%n", store.newest().orElseThrow());
            return new Result(checkpoint.weights(), store.newest().orElseThrow(), true,
                    Double.parseDouble(extra.getOrDefault("heldout_loss_before", "NaN")),
                    Double.parseDouble(extra.getOrDefault("heldout_loss_after", "NaN")),
                    Double.parseDouble(extra.getOrDefault("train_loss_final", "NaN")),
                    new SortQuality(
                            Double.parseDouble(extra.getOrDefault("exact_match", "NaN")),
                            Double.parseDouble(extra.getOrDefault("mean_edit_distance", "NaN")),
                            Double.parseDouble(extra.getOrDefault("mean_len", "NaN")),
                            Double.parseDouble(extra.getOrDefault("target_mean_len", "NaN"))),
                    0);
        }
        return train(setup, sft, device, store, fingerprint);
    }

    /** Trains a reference and saves it in {@code store}. */
    static Result train(TaskSetup setup, SftConfig sft, Device device, CheckpointStore store, String fingerprint)
            throws IOException {
        long seed = setup.seed();
        Demonstrations demonstrations = setup.task().demonstrations(setup.tokenizer());
        SupervisedFineTuning training = new SupervisedFineTuning(sft, setup.tokenizer().pad());
        List<Demonstrations.Demonstration> heldOut = List.copyOf(
                SupervisedFineTuning.draw(demonstrations, new SplittableRandom(seed ^ 0x5EED), 256));
        long started = System.nanoTime();
        try (NDManager manager = NDManager.newBaseManager(device);
                LanguageModel policy = setup.policyFactory().create(manager, device)) {
            System.err.printf(Locale.ROOT, "sft: task %s, %,d parameters on %s, %d steps of %d demonstrations%n",
                    setup.task().name(), setup.policyConfig().parameterCount(), Devices.describe(device), sft.steps(),
                    sft.batchSize());
            double before = training.evaluate(policy, heldOut);
            SupervisedFineTuning.Result result;
            try (ProgressBar bar = new ProgressBar(System.err, "sft", sft.steps(), Duration.ofSeconds(10))) {
                result = training.run(policy, demonstrations, seed, (step, total, loss, lr) ->
                        bar.update(step, String.format(Locale.ROOT, "loss %.4f lr %.2e", loss, lr)));
            }
            double after = training.evaluate(policy, heldOut);
            policy.setTrainable(false);
            List<String> prompts = setup.task().heldOutPrompts(Math.max(1, sft.evalPrompts()), seed);
            Sampler sampler = new Sampler(SamplingConfig.from(setup.config(), "sppo4j.sampling"), setup.tokenizer());
            List<String> responses = TextSampling.sample(
                    sampler, new PolicyLogits(policy), setup.tokenizer(), manager, prompts, 64, seed);
            SortQuality quality = SortQuality.measure(prompts, responses);
            WeightSnapshot weights = WeightSnapshot.export(policy, 0, TensorEncoding.FP32);
            Map<String, String> extra = Map.of(
                    "task", setup.task().name(), "role", "reference", "tokenizer", "byte",
                    FINGERPRINT, fingerprint,
                    "heldout_loss_before", Double.toString(before),
                    "heldout_loss_after", Double.toString(after),
                    "train_loss_final", Double.toString(result.finalLoss(50)),
                    "exact_match", Double.toString(quality.exactMatch()),
                    "mean_edit_distance", Double.toString(quality.meanEditDistance()),
                    "mean_len", Double.toString(quality.meanLength()));
            Path saved = store.save(new Checkpoint(setup.policyConfig(), 0, sft.steps(), weights, null, seed,
                    withTarget(extra, quality)));
            double seconds = (System.nanoTime() - started) / 1e9;
            System.err.printf(Locale.ROOT,
                    "sft: held-out loss %.4f -> %.4f; sampled exact match %.1f%%, edit distance %.2f; saved %s%n",
                    before, after, 100 * quality.exactMatch(), quality.meanEditDistance(), saved);
            return new Result(weights, saved, false, before, after, result.finalLoss(50), quality, seconds);
        }
    }

    private static Map<String, String> withTarget(Map<String, String> extra, SortQuality quality) {
        Map<String, String> all = new LinkedHashMap<>(extra);
        all.put("target_mean_len", Double.toString(quality.meanTargetLength()));
        return all;
    }

    /** SHA-256 over the settings SFT depends on, with the effective SFT settings. */
    static String fingerprint(Config config, SftConfig sft) {
        StringBuilder canonical = new StringBuilder();
        for (String path : FINGERPRINTED) {
            canonical.append(path).append('=')
                    .append(config.getValue(path).render(ConfigRenderOptions.concise().setJson(true))).append('\n');
        }
        canonical.append(sft).append("\npolicy-layout=").append(POLICY_LAYOUT);
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(digest.digest(canonical.toString().getBytes(StandardCharsets.UTF_8)), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
