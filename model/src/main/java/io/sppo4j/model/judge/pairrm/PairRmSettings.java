package io.sppo4j.model.judge.pairrm;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import com.typesafe.config.Config;
import io.sppo4j.model.config.ConfigReader;
import io.sppo4j.model.nd.Devices;

import java.nio.file.Path;
import java.util.Locale;

/**
 * {@code sppo4j.judge.pairrm}: where the PairRM checkpoint is, where and in what precision it
 * runs, how many comparisons go through the encoder at once, and LLM-Blender's truncation.
 *
 * @param batchSize comparisons per forward pass; a group of K responses needs K(K−1)
 * @param maxSourceTokens the prompt part, special tokens included (LLM-Blender: 1224)
 * @param maxCandidateTokens each response part before the prompt's unused share (LLM-Blender: 412)
 */
public record PairRmSettings(
        Path path, Device device, DataType dtype, int batchSize, int maxSourceTokens, int maxCandidateTokens) {

    public static final String SECTION = "sppo4j.judge.pairrm";

    public PairRmSettings {
        if (dtype != DataType.FLOAT32 && dtype != DataType.FLOAT16) {
            throw new IllegalArgumentException("dtype must be fp32 or fp16, got " + dtype);
        }
        if (batchSize < 1 || maxSourceTokens < 3 || maxCandidateTokens < 3) {
            throw new IllegalArgumentException("batch-size must be >= 1 and the token limits >= 3, got " + batchSize
                    + ", " + maxSourceTokens + ", " + maxCandidateTokens);
        }
    }

    /** LLM-Blender's limits (1224 source, 412 per candidate), float32, 4 comparisons per pass (the defaults). */
    public static PairRmSettings of(Path path, Device device) {
        return new PairRmSettings(path, device, DataType.FLOAT32, 4, 1224, 412);
    }

    public static PairRmSettings from(Config config) {
        ConfigReader pairRm = new ConfigReader(config, SECTION);
        String path = pairRm.getString("path");
        pairRm.check(!path.isBlank(), "path", "the pairrm judge needs a DebertaV2PairRM directory (llm-blender/PairRM-hf)");
        String dtype = pairRm.getString("dtype").trim().toLowerCase(Locale.ROOT);
        // bf16 is refused rather than tried: DJL 0.35's PyTorch JNI aborts the JVM on any bfloat16 array.
        pairRm.check(dtype.equals("fp32") || dtype.equals("fp16"), "dtype", "must be fp32 or fp16, got '" + dtype + "'"
                + (dtype.equals("bf16") ? " (DJL 0.35 cannot create bfloat16 tensors; fp16 is what LLM-Blender runs PairRM in)" : ""));
        Device device = Devices.parse(pairRm.getString("device"), pairRm.path("device"));
        int batchSize = pairRm.positiveInt("batch-size");
        int maxSource = pairRm.positiveInt("max-source-tokens");
        int maxCandidate = pairRm.positiveInt("max-candidate-tokens");
        return pairRm.build(() -> new PairRmSettings(Path.of(path), device,
                dtype.equals("fp16") ? DataType.FLOAT16 : DataType.FLOAT32, batchSize, maxSource, maxCandidate));
    }

    public PairRmSettings withDtype(DataType value) {
        return new PairRmSettings(path, device, value, batchSize, maxSourceTokens, maxCandidateTokens);
    }

    public PairRmSettings withBatchSize(int value) {
        return new PairRmSettings(path, device, dtype, value, maxSourceTokens, maxCandidateTokens);
    }
}
