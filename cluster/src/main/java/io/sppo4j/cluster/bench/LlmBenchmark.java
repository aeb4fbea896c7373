package io.sppo4j.cluster.bench;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import io.sppo4j.model.decoder.Decoder;
import io.sppo4j.model.decoder.DecoderConfig;
import io.sppo4j.model.decoder.LoraConfig;
import io.sppo4j.model.hf.HfCausalModel;
import io.sppo4j.model.hf.HfModels;
import io.sppo4j.model.memory.AvailableMemory;
import io.sppo4j.model.nd.Devices;
import io.sppo4j.model.nd.Precision;
import io.sppo4j.model.optim.AdamW;
import io.sppo4j.model.optim.AdamWConfig;
import io.sppo4j.model.weights.TensorEncoding;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * {@code bench llm}: each phase of training a real checkpoint timed on its own and held against
 * the limit of this machine measured in the same run through the same libtorch.
 *
 * <ul>
 *   <li>{@code decode_fraction_of_bound} = (weight bytes ÷ memory bandwidth) ÷ time per token at
 *       batch 1: decoding reads every weight once per token, so 1 is as fast as memory allows.
 *   <li>{@code train_fraction_of_bound} = (6 · parameters · tokens ÷ GEMM FLOP/s) ÷ step time:
 *       a step's forward and backward multiply each parameter with each token 3 times, 2 FLOPs each.
 * </ul>
 */
public final class LlmBenchmark {

    /**
     * @param policy the checkpoint's directory
     * @param precision {@link Precision#FP32}, or {@link Precision#BF16} (sampling in bfloat16, the
     *     learner in bfloat16 on float32 master weights)
     * @param groupBatch sequences decoded together in a rollout batch (K × groups-per-batch)
     * @param learnerBatch sequences of one learner step (K × groups-per-step)
     * @param threads PyTorch intra-op threads every phase and the limits run with
     * @param lora adapters trained beside full fine-tuning ({@link LoraConfig#OFF} for none)
     * @param packedFp16 whether decoding in float32 multiplies by float16-packed weights where it
     *     can ({@code sppo4j.rollout.fp16-packed-weights}); both are timed either way
     */
    public record Settings(Path policy, Precision precision, Device device, int promptTokens, int newTokens,
            int groupBatch, int learnerBatch, int steps, int threads, long seed, LoraConfig lora, boolean packedFp16) {}

    private final Settings settings;

    public LlmBenchmark(Settings settings) {
        this.settings = settings;
    }

    /** Runs every phase; {@code progress} receives a line per phase. Returns the JSON fields. */
    public Map<String, Object> run(Consumer<String> progress) throws IOException, InterruptedException {
        Map<String, Object> result = new LinkedHashMap<>();
        boolean bf16 = settings.precision() != Precision.FP32;
        Precision sampling = bf16 ? Precision.BF16 : Precision.FP32;
        Precision learning = bf16 ? Precision.MIXED_BF16 : Precision.FP32;
        result.put("benchmark", "llm");
        result.put("policy", settings.policy().toString());
        result.put("dtype", bf16 ? "bf16" : "fp32");
        result.put("device", Devices.describe(settings.device()));
        result.put("engine", Engine.getInstance().getEngineName() + " " + Engine.getInstance().getVersion());
        result.put("torch_threads", settings.threads());

        DecoderConfig shape = HfModels.decoderConfig(settings.policy());
        MachineLimits limits = MachineLimits.measure(settings.device(), learning.compute(), sampling.compute(),
                shape.intermediateSize(), shape.hiddenSize());
        result.put("memory_bandwidth_gb_per_s", limits.bandwidthBytesPerSecond() / 1e9);
        result.put("gemm_gflops", limits.gemmFlopsPerSecond() / 1e9);
        result.put("gemv_gb_per_s", limits.gemvBytesPerSecond() / 1e9);
        if (!Double.isNaN(limits.fp16WeightGemvSpeedup())) {
            result.put("gemv_fp16_weights_speedup", limits.fp16WeightGemvSpeedup());
        }
        progress.accept(String.format(Locale.ROOT, "machine: %.1f GB/s read, %.1f GFLOP/s %s GEMM, %.1f GB/s %s GEMV",
                limits.bandwidthBytesPerSecond() / 1e9, limits.gemmFlopsPerSecond() / 1e9, learning.compute(),
                limits.gemvBytesPerSecond() / 1e9, sampling.compute()));

        DecodePhases decoding = new DecodePhases(settings.promptTokens(), settings.newTokens(), 0, settings.seed());
        DecodePhases.Decode batched;
        int vocab;
        try (NDManager manager = NDManager.newBaseManager(settings.device())) {
            long start = System.nanoTime();
            HfCausalModel model = HfModels.loadCausal(settings.policy(), manager, settings.device(), sampling);
            model.setTrainable(false);
            vocab = model.vocabSize();
            result.put("load_s", (System.nanoTime() - start) / 1e9);
            long parameters = model.decoderConfig().parameterCount();
            long weightBytes = parameters * sampling.storage().getNumOfBytes();
            result.put("parameters", parameters);
            result.put("weight_bytes", weightBytes);

            // Decoding in float32 on a CPU can multiply by float16-packed weights (fbgemm): both
            // side by side, the configured one reported as the decoding figures.
            boolean packable = Decoder.packsFp16(model.decoderConfig(), settings.device(), sampling.compute());
            boolean packed = packable && settings.packedFp16();
            result.put("decode_fp16_packed_weights", packed);
            DecodePhases.Decode plainSingle = decoding.decode(model, 1);
            DecodePhases.Decode plainBatched = decoding.decode(model, settings.groupBatch());
            DecodePhases.Decode single = plainSingle;
            batched = plainBatched;
            long readBytes = weightBytes;
            if (packable) {
                model.decodeWithPackedFp16Weights(true);
                DecodePhases.Decode packedSingle = decoding.decode(model, 1);
                DecodePhases.Decode packedBatched = decoding.decode(model, settings.groupBatch());
                long packedElements = model.packedFp16Parameters();
                double[] distance = decoding.logProbDistance(model, packedBatched); // scoring passes stay float32
                model.decodeWithPackedFp16Weights(packed);
                result.put("decode_batch1_float32_weights_ms_per_token", plainSingle.secondsPerStep() * 1e3);
                result.put("decode_batch1_packed_fp16_ms_per_token", packedSingle.secondsPerStep() * 1e3);
                result.put("packed_fp16_decode_speedup", plainSingle.secondsPerStep() / packedSingle.secondsPerStep());
                result.put("decode_batched_float32_weights_tokens_per_s", plainBatched.tokensPerSecond());
                result.put("decode_batched_packed_fp16_tokens_per_s", packedBatched.tokensPerSecond());
                result.put("packed_fp16_parameters", packedElements);
                result.put("fp16_packed_sampling_logprob_abs_diff_mean", distance[0]);
                result.put("fp16_packed_sampling_logprob_abs_diff_max", distance[1]);
                progress.accept(String.format(Locale.ROOT, "decode on float16-packed weights: batch 1 %.1f ms/token"
                        + " (float32 weights %.1f), batch %d %.1f tokens/s (%.1f); sampling vs float32 scoring:"
                        + " mean |Δ log p| %.4f, max %.4f", packedSingle.secondsPerStep() * 1e3,
                        plainSingle.secondsPerStep() * 1e3, settings.groupBatch(), packedBatched.tokensPerSecond(),
                        plainBatched.tokensPerSecond(), distance[0], distance[1]));
                if (packed) {
                    single = packedSingle;
                    batched = packedBatched;
                    readBytes = weightBytes - packedElements * (sampling.storage().getNumOfBytes() - 2L);
                }
            }
            double bound = weightBytes / limits.bandwidthBytesPerSecond();
            result.put("decode_batch1_tokens_per_s", single.tokensPerSecond());
            result.put("decode_batch1_ms_per_token", single.secondsPerStep() * 1e3);
            result.put("decode_bound_ms_per_token", bound * 1e3);
            result.put("decode_fraction_of_bound", bound / single.secondsPerStep());
            // Against the bytes the decoder really reads: float16 copies read half a float32 weight's.
            double readBound = readBytes / limits.bandwidthBytesPerSecond();
            result.put("decode_read_bytes", readBytes);
            result.put("decode_fraction_of_read_bound", readBound / single.secondsPerStep());
            // The same weights through libtorch's matrix-vector product alone: the share of the
            // bandwidth bound the kernel allows, and how close the decoder gets to that.
            double gemvBound = weightBytes / limits.gemvBytesPerSecond();
            result.put("decode_gemv_bound_ms_per_token", gemvBound * 1e3);
            result.put("decode_fraction_of_gemv_bound", gemvBound / plainSingle.secondsPerStep());
            progress.accept(String.format(Locale.ROOT,
                    "decode batch 1: %.1f tokens/s, %.1f ms/token (bound %.1f ms, %.1f ms over the bytes read;"
                            + " libtorch GEMV alone %.1f ms)", single.tokensPerSecond(), single.secondsPerStep() * 1e3,
                    bound * 1e3, readBound * 1e3, gemvBound * 1e3));
            // The same decoding through one DJL call per operation, side by side: what fusing the blocks gains.
            Decoder.fusedDecoding(false);
            DecodePhases.Decode perOperation;
            try {
                perOperation = decoding.decode(model, 1);
            } finally {
                Decoder.fusedDecoding(true);
            }
            result.put("decode_batch1_per_operation_ms_per_token", perOperation.secondsPerStep() * 1e3);
            result.put("fused_decode_speedup", perOperation.secondsPerStep() / plainSingle.secondsPerStep());
            progress.accept(String.format(Locale.ROOT, "decode batch 1, one call per operation: %.1f ms/token (fused: %.2fx)",
                    perOperation.secondsPerStep() * 1e3, perOperation.secondsPerStep() / plainSingle.secondsPerStep()));

            result.put("decode_batch", settings.groupBatch());
            result.put("decode_batched_tokens_per_s", batched.tokensPerSecond());
            double scoring = decoding.scoringTokensPerSecond(model, batched);
            result.put("scoring_tokens_per_s", scoring);
            progress.accept(String.format(Locale.ROOT, "decode batch %d: %.1f tokens/s; scoring %.1f tokens/s",
                    settings.groupBatch(), batched.tokensPerSecond(), scoring));
            model.close();
        }
        if (bf16) {
            try (NDManager manager = NDManager.newBaseManager(settings.device());
                    HfCausalModel float32 = HfModels.loadCausal(settings.policy(), manager, settings.device(), Precision.FP32)) {
                double[] distance = decoding.logProbDistance(float32, batched);
                result.put("bf16_sampling_logprob_abs_diff_mean", distance[0]);
                result.put("bf16_sampling_logprob_abs_diff_max", distance[1]);
                progress.accept(String.format(Locale.ROOT, "bf16 sampling vs fp32 scoring: mean |Δ log p| %.4f, max %.4f",
                        distance[0], distance[1]));
            }
        }
        learner(result, batched, vocab, learning, sampling, limits, progress);
        result.put("peak_rss_gb", AvailableMemory.peakResidentBytes() / 1e9);
        result.put("peak_heap_gb", peakHeapBytes() / 1e9);
        return result;
    }

    private void learner(Map<String, Object> result, DecodePhases.Decode batched, int vocab, Precision learning,
            Precision sampling, MachineLimits limits, Consumer<String> progress) throws IOException, InterruptedException {
        DecodePhases decoding = new DecodePhases(settings.promptTokens(), settings.newTokens(), 0, settings.seed());
        List<int[]> prompts = new ArrayList<>();
        List<int[]> responses = new ArrayList<>();
        List<int[]> decodedPrompts = decoding.prompts(batched.batch(), vocab); // the prompts the responses answer
        for (int i = 0; i < settings.learnerBatch(); i++) {
            int row = i % batched.batch();
            prompts.add(decodedPrompts.get(row));
            responses.add(batched.generation().sequences().get(row).tokens());
        }
        LearnerPhases phases = new LearnerPhases(0);
        long residentBefore = LearnerPhases.trimmedResidentBytes();
        long fullVersionBytes;
        try (NDManager manager = NDManager.newBaseManager(settings.device());
                HfCausalModel policy = HfModels.loadCausal(settings.policy(), manager, settings.device(), learning);
                AdamW optimizer = new AdamW(AdamWConfig.DEFAULTS.withLearningRate(1e-6f))) {
            policy.setTrainable(true);
            phases.step(policy, optimizer, prompts, responses); // warm-up
            List<LearnerPhases.Step> steps = new ArrayList<>();
            long residentPeak = AvailableMemory.residentBytes();
            for (int i = 0; i < settings.steps(); i++) {
                steps.add(phases.step(policy, optimizer, prompts, responses));
                residentPeak = Math.max(residentPeak, AvailableMemory.residentBytes());
            }
            result.put("learner_memory_gb", Math.max(0, residentPeak - residentBefore) / 1e9);
            LearnerPhases.Step best = steps.stream().min((a, b) -> Double.compare(a.total(), b.total())).orElseThrow();
            long parameters = policy.decoderConfig().parameterCount();
            double bound = 6.0 * parameters * best.tokens() / limits.gemmFlopsPerSecond();
            result.put("learner_batch", settings.learnerBatch());
            result.put("learner_tokens", best.tokens());
            result.put("learner_step_ms", best.total() * 1e3);
            result.put("learner_forward_ms", best.forward() * 1e3);
            result.put("learner_backward_ms", best.backward() * 1e3);
            result.put("learner_optimizer_ms", best.optimizer() * 1e3);
            result.put("learner_bound_ms", bound * 1e3);
            result.put("train_fraction_of_bound", bound / best.total());
            result.put("learner_grad_norms", steps.stream().mapToDouble(step -> step.stats().gradientNorm()).toArray());
            progress.accept(String.format(Locale.ROOT, "learner step: %.0f ms (forward %.0f, backward %.0f, optimiser %.0f),"
                    + " bound %.0f ms", best.total() * 1e3, best.forward() * 1e3, best.backward() * 1e3,
                    best.optimizer() * 1e3, bound * 1e3));

            TensorEncoding encoding = sampling == Precision.BF16 ? TensorEncoding.BF16 : TensorEncoding.FP32;
            try (HfCausalModel rollout = HfModels.loadCausal(settings.policy(), manager, settings.device(), sampling)) {
                LearnerPhases.Version version = phases.version(policy, encoding, rollout);
                result.put("weight_version_bytes", version.bytes());
                fullVersionBytes = version.bytes();
                result.put("export_s", version.export());
                result.put("transfer_s", version.transfer());
                result.put("import_s", version.load());
                progress.accept(String.format(Locale.ROOT, "weights %s: export %.2f s, transfer %.2f s, load %.2f s",
                        encoding, version.export(), version.transfer(), version.load()));
            }
            double checkpoint = phases.checkpoint(policy, optimizer);
            result.put("checkpoint_s", checkpoint);
            progress.accept(String.format(Locale.ROOT, "checkpoint: %.2f s", checkpoint));
        }
        if (settings.lora().enabled()) {
            Map<String, Object> lora = new LoraPhases(settings.policy(), settings.device(), settings.steps()).run(settings.lora(),
                    learning, sampling, decoding, settings.groupBatch(), prompts, responses, progress);
            long loraBytes = (Long) lora.get("weight_version_bytes");
            lora.put("version_bytes_fraction_of_full", loraBytes / (double) fullVersionBytes);
            lora.put("learner_step_fraction_of_full", (Double) lora.get("learner_step_ms") / (Double) result.get("learner_step_ms"));
            result.put("lora", lora);
            progress.accept(String.format(Locale.ROOT, "LoRA against full fine-tuning: version %.2f%% of the bytes, step %.2fx the time",
                    100 * loraBytes / (double) fullVersionBytes, lora.get("learner_step_fraction_of_full")));
        }
    }

    /** The largest the Java heap has been, summed over its pools' peaks. */
    private static long peakHeapBytes() {
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        return peak;
    }
}
