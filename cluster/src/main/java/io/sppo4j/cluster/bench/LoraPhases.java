package io.sppo4j.cluster.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.sppo4j.model.decoder.LoraConfig;
import io.sppo4j.model.hf.HfCausalModel;
import io.sppo4j.model.hf.HfModels;
import io.sppo4j.model.hf.LoraSetup;
import io.sppo4j.model.memory.AvailableMemory;
import io.sppo4j.model.nd.Precision;
import io.sppo4j.model.optim.AdamW;
import io.sppo4j.model.optim.AdamWConfig;
import io.sppo4j.model.weights.TensorEncoding;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * {@code bench llm}'s LoRA side, timed as full fine-tuning is: a learner step on the adapters of a
 * frozen base, its memory, the version it publishes, a checkpoint, and decoding with the adapters
 * merged into the weights against adding B(A x) per pass, the choice {@code sppo4j.lora.merge-for-sampling}
 * makes.
 */
final class LoraPhases {

    /** The learner's figures that full fine-tuning and LoRA share, so the two read side by side. */
    record Learner(LearnerPhases.Step step, long memoryBytes) {}

    private final Path policy;
    private final Device device;
    private final int steps;

    LoraPhases(Path policy, Device device, int steps) {
        this.policy = policy;
        this.device = device;
        this.steps = steps;
    }

    /**
     * Warm-up, then {@code steps} timed steps of {@code model} on one batch; the fastest step, and
     * how far the resident set grew from {@code residentBefore} (taken before the model loaded).
     */
    Learner train(HfCausalModel model, AdamW optimizer, List<int[]> prompts, List<int[]> responses, long residentBefore) {
        LearnerPhases phases = new LearnerPhases(0);
        model.setTrainable(true);
        long peak = 0;
        LearnerPhases.Step best = null;
        for (int i = 0; i <= steps; i++) {
            LearnerPhases.Step step = phases.step(model, optimizer, prompts, responses);
            peak = Math.max(peak, AvailableMemory.residentBytes());
            if (i > 0 && (best == null || step.total() < best.total())) { // the first is the warm-up
                best = step;
            }
        }
        return new Learner(best, Math.max(0, peak - residentBefore));
    }

    /** Every LoRA figure, under {@code bench llm}'s {@code lora} key. */
    Map<String, Object> run(LoraConfig lora, Precision learning, Precision sampling, DecodePhases decoding, int groupBatch,
            List<int[]> prompts, List<int[]> responses, Consumer<String> progress) throws IOException, InterruptedException {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("rank", lora.rank());
        result.put("alpha", lora.alpha());
        result.put("target_modules", lora.withDefaultTargets(HfModels.decoderConfig(policy).layout()).targetModules());
        TensorEncoding encoding = sampling == Precision.BF16 ? TensorEncoding.BF16 : TensorEncoding.FP32;
        try (NDManager manager = NDManager.newBaseManager(device)) {
            long before = LearnerPhases.trimmedResidentBytes();
            try (HfCausalModel learner = HfModels.loadCausal(policy, manager, device, learning, LoraSetup.fresh(lora));
                    AdamW optimizer = new AdamW(AdamWConfig.DEFAULTS.withLearningRate(1e-3f))) {
                result.put("adapter_parameters", learner.adapters().bytes() / Float.BYTES);
                Learner trained = train(learner, optimizer, prompts, responses, before);
                LearnerPhases.Step step = trained.step();
                result.put("learner_step_ms", step.total() * 1e3);
                result.put("learner_forward_ms", step.forward() * 1e3);
                result.put("learner_backward_ms", step.backward() * 1e3);
                result.put("learner_optimizer_ms", step.optimizer() * 1e3);
                result.put("learner_memory_gb", trained.memoryBytes() / 1e9);
                progress.accept(String.format(Locale.ROOT, "LoRA rank %d learner step: %.0f ms (forward %.0f, backward %.0f,"
                        + " optimiser %.0f), resident set +%.2f GB", lora.rank(), step.total() * 1e3, step.forward() * 1e3,
                        step.backward() * 1e3, step.optimizer() * 1e3, trained.memoryBytes() / 1e9));

                LoraConfig merging = withMerge(lora, true);
                try (HfCausalModel rollout = HfModels.loadCausal(policy, manager, device, sampling, LoraSetup.fresh(merging))) {
                    rollout.setTrainable(false);
                    LearnerPhases.Version version = new LearnerPhases(0).version(learner, encoding, rollout);
                    result.put("weight_version_bytes", version.bytes());
                    result.put("export_s", version.export());
                    result.put("transfer_s", version.transfer());
                    result.put("import_s", version.load()); // with the refold of the merged weights
                    progress.accept(String.format(Locale.ROOT, "LoRA version %s: %d bytes, export %.3f s, transfer %.3f s,"
                            + " load and merge %.3f s", encoding, version.bytes(), version.export(), version.transfer(),
                            version.load()));
                    decodeBothWays(rollout, decoding, groupBatch, result, progress);
                }
                double checkpoint = new LearnerPhases(0).checkpoint(learner, optimizer);
                result.put("checkpoint_s", checkpoint);
            }
        }
        return result;
    }

    /** Decoding at batch 1 and at a rollout batch, merged and unmerged, on the same adapters. */
    private static void decodeBothWays(HfCausalModel rollout, DecodePhases decoding, int groupBatch, Map<String, Object> result,
            Consumer<String> progress) {
        List<String> lines = new ArrayList<>();
        double[] merged = new double[2];
        double[] unmerged = new double[2];
        int[] batches = {1, groupBatch};
        for (int i = 0; i < batches.length; i++) {
            rollout.adapters().mergeForDecoding(true);
            merged[i] = decoding.decode(rollout, batches[i]).tokensPerSecond();
            rollout.adapters().mergeForDecoding(false);
            unmerged[i] = decoding.decode(rollout, batches[i]).tokensPerSecond();
            lines.add(String.format(Locale.ROOT, "batch %d %.1f merged vs %.1f unmerged tokens/s", batches[i], merged[i],
                    unmerged[i]));
        }
        result.put("decode_batch1_merged_tokens_per_s", merged[0]);
        result.put("decode_batch1_unmerged_tokens_per_s", unmerged[0]);
        result.put("decode_batch", groupBatch);
        result.put("decode_batched_merged_tokens_per_s", merged[1]);
        result.put("decode_batched_unmerged_tokens_per_s", unmerged[1]);
        result.put("merged_decode_speedup", merged[1] / unmerged[1]);
        progress.accept("LoRA decoding: " + String.join("; ", lines));
    }

    private static LoraConfig withMerge(LoraConfig lora, boolean merge) {
        return new LoraConfig(lora.rank(), lora.alpha(), lora.dropout(), lora.targetModules(), lora.seed(), merge);
    }
}
