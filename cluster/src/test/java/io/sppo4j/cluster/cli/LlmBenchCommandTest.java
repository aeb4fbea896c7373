package io.sppo4j.cluster.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.sppo4j.model.hf.HfTestModels;
import io.sppo4j.model.hf.TinyHfModels;
import io.sppo4j.model.weights.TensorDType;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sppo bench llm} on a tiny Llama checkpoint: every phase runs, and the figures it derives
 * follow from the ones it measured, so a field cannot drift from its definition unnoticed.
 */
class LlmBenchCommandTest {

    @TempDir
    Path dir;

    @Test
    void everyPhaseIsTimedAndHeldAgainstTheLimitsMeasuredInTheSameRun() throws Exception {
        Path policy = dir.resolve("tiny-llama");
        TinyHfModels.write(policy, TinyHfModels.Kind.LLAMA, TensorDType.F32, 1, 7, config -> {
            config.addProperty("vocab_size", HfTestModels.CHAT_VOCAB);
            config.addProperty("max_position_embeddings", 96);
        });
        HfTestModels.copyChatTokenizer(policy);
        CliRun.Result result = CliRun.run("bench", "llm", "--policy", policy.toString(), "--json", "--prompt-tokens", "8",
                "--new-tokens", "4", "--group-size", "2", "--groups-per-batch", "2", "--groups-per-step", "2",
                "--steps", "1", "--threads", "1");
        assertEquals(0, result.code(), result.err());
        JsonObject summary = result.lastJsonLine();
        for (String field : List.of("memory_bandwidth_gb_per_s", "gemm_gflops", "gemv_gb_per_s", "gemv_fp16_weights_speedup")) {
            double value = summary.get(field).getAsDouble();
            assertTrue(value > 0 && Double.isFinite(value), field + " = " + value + " in " + summary);
        }
        // The fractions are the bounds over the measured times, as their definitions say: decoding as
        // configured (on float16-packed weights, the default on a CPU in fp32) against the weights'
        // bytes and against the bytes it reads, and decoding on the float32 weights against
        // libtorch's float32 matrix-vector product alone.
        assertTrue(summary.get("decode_fp16_packed_weights").getAsBoolean(), summary.toString());
        double perToken = summary.get("decode_batch1_ms_per_token").getAsDouble();
        assertEquals(perToken, summary.get("decode_batch1_packed_fp16_ms_per_token").getAsDouble(), 1e-9);
        double bound = summary.get("decode_bound_ms_per_token").getAsDouble();
        assertEquals(bound / perToken, summary.get("decode_fraction_of_bound").getAsDouble(), 1e-6 * bound / perToken);
        long weightBytes = summary.get("weight_bytes").getAsLong();
        long packedElements = summary.get("packed_fp16_parameters").getAsLong();
        assertEquals(weightBytes - 2 * packedElements, summary.get("decode_read_bytes").getAsLong(), "float16 halves what it packs");
        assertEquals(summary.get("decode_fraction_of_bound").getAsDouble() * (weightBytes - 2.0 * packedElements) / weightBytes,
                summary.get("decode_fraction_of_read_bound").getAsDouble(), 1e-6);
        double gemvBound = summary.get("decode_gemv_bound_ms_per_token").getAsDouble();
        double float32PerToken = summary.get("decode_batch1_float32_weights_ms_per_token").getAsDouble();
        assertEquals(gemvBound / float32PerToken, summary.get("decode_fraction_of_gemv_bound").getAsDouble(), 1e-6 * gemvBound / float32PerToken);
        assertEquals(summary.get("gemv_gb_per_s").getAsDouble() / summary.get("memory_bandwidth_gb_per_s").getAsDouble(),
                bound / gemvBound, 1e-6, "the two bounds are the same bytes over two rates: " + summary);
        assertEquals(float32PerToken / perToken, summary.get("packed_fp16_decode_speedup").getAsDouble(), 1e-6 * float32PerToken / perToken);
        // The tiny checkpoint's float32 weights are rounded to float16: the sampling log-probabilities move, a little.
        double moved = summary.get("fp16_packed_sampling_logprob_abs_diff_max").getAsDouble();
        assertTrue(moved > 0 && moved < 1e-2, summary.toString());
        assertTrue(summary.get("train_fraction_of_bound").getAsDouble() > 0, summary.toString());
        // LoRA beside full fine-tuning (rank 8 by default): a version carries the adapters only.
        JsonObject lora = summary.getAsJsonObject("lora");
        long adapterParameters = lora.get("adapter_parameters").getAsLong();
        assertTrue(adapterParameters > 0, lora.toString());
        assertTrue(lora.get("weight_version_bytes").getAsLong() < summary.get("weight_version_bytes").getAsLong(), summary.toString());
        assertEquals(lora.get("weight_version_bytes").getAsLong() / (double) summary.get("weight_version_bytes").getAsLong(),
                lora.get("version_bytes_fraction_of_full").getAsDouble(), 1e-9);
        for (String field : List.of("learner_step_ms", "decode_batch1_merged_tokens_per_s", "decode_batch1_unmerged_tokens_per_s",
                "decode_batched_merged_tokens_per_s", "decode_batched_unmerged_tokens_per_s")) {
            assertTrue(lora.get(field).getAsDouble() > 0, field + " in " + lora);
        }
    }
}
