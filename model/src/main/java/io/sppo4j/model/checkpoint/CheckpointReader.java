package io.sppo4j.model.checkpoint;

import io.sppo4j.model.optim.OptimizerState;
import io.sppo4j.model.weights.SnapshotChecksum;
import io.sppo4j.model.weights.TensorDType;
import io.sppo4j.model.weights.TensorSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;

/**
 * Reads one checkpoint directory as {@link CheckpointStore} wrote it, trusting nothing: meta.json,
 * then each data file's length and CRC32C, then the safetensors headers and the weights'
 * snapshot checksum. Every pass streams; the tensors stay in their files until restored.
 */
final class CheckpointReader {

    private CheckpointReader() {}

    /** @throws CorruptCheckpointException naming the file at fault and what is wrong with it */
    static Checkpoint read(Path checkpointDirectory) throws IOException {
        Path metaFile = checkpointDirectory.resolve(CheckpointStore.META_FILE);
        byte[] metaBytes;
        try {
            metaBytes = Files.readAllBytes(metaFile);
        } catch (NoSuchFileException e) {
            throw new CorruptCheckpointException(
                    metaFile, "missing: " + checkpointDirectory + " is not a complete checkpoint", e);
        }
        CheckpointMeta meta = CheckpointMeta.parse(metaBytes, metaFile);
        checkStepMatchesName(checkpointDirectory, meta, metaFile);
        checkFileList(meta, metaFile);
        for (Map.Entry<String, FileDigest> file : meta.files().entrySet()) {
            checkDigest(checkpointDirectory.resolve(file.getKey()), file.getValue());
        }
        SafeTensorsFile weights = SafeTensorsFile.open(checkpointDirectory.resolve(CheckpointStore.MODEL_FILE));
        checkWeights(weights, meta);
        OptimizerState optimizer = null;
        if (meta.optimizerAlgorithm() != null) {
            SafeTensorsFile state = SafeTensorsFile.open(checkpointDirectory.resolve(CheckpointStore.OPTIMIZER_FILE));
            optimizer = new OptimizerState(meta.optimizerAlgorithm(), meta.optimizerScalars(), state.source());
        }
        try {
            return new Checkpoint(meta.policyConfig(), meta.version(), meta.step(), weights.source(),
                    meta.weightsChecksum(), optimizer, meta.rngSeed(), meta.extra());
        } catch (IllegalArgumentException e) {
            throw new CorruptCheckpointException(metaFile, e.getMessage(), e);
        }
    }

    /** F32 throughout, and the snapshot checksum meta.json recorded, computed in one streaming pass. */
    private static void checkWeights(SafeTensorsFile weights, CheckpointMeta meta) throws IOException {
        List<TensorSpec> specs = weights.specs();
        for (TensorSpec spec : specs) {
            if (spec.dtype() != TensorDType.F32) {
                throw new CorruptCheckpointException(weights.file(),
                        "tensor '" + spec.name() + "' is " + spec.dtype() + "; checkpoint weights are F32");
            }
        }
        SnapshotChecksum checksum = new SnapshotChecksum(meta.version(), specs.size());
        weights.source().forEach(tensor -> {
            checksum.tensor(tensor.spec());
            checksum.data(tensor.bytes());
        });
        if (checksum.value() != meta.weightsChecksum()) {
            throw new CorruptCheckpointException(weights.file(), String.format(
                    "weight snapshot v%d (%d tensors): checksum mismatch: expected %08x (meta.json), computed %08x",
                    meta.version(), specs.size(), meta.weightsChecksum(), checksum.value()));
        }
    }

    private static void checkStepMatchesName(Path checkpointDirectory, CheckpointMeta meta, Path metaFile)
            throws CorruptCheckpointException {
        Matcher name = CheckpointStore.STEP_NAME.matcher(checkpointDirectory.getFileName().toString());
        if (name.matches() && CheckpointStore.parseStep(name.group(1)).orElse(-1L) != meta.step()) {
            throw new CorruptCheckpointException(metaFile, "says step " + meta.step() + " but lies in "
                    + checkpointDirectory.getFileName());
        }
    }

    private static void checkFileList(CheckpointMeta meta, Path metaFile) throws CorruptCheckpointException {
        Set<String> expected = new HashSet<>();
        expected.add(CheckpointStore.MODEL_FILE);
        if (meta.optimizerAlgorithm() != null) {
            expected.add(CheckpointStore.OPTIMIZER_FILE);
        }
        if (!meta.files().keySet().equals(expected)) {
            throw new CorruptCheckpointException(metaFile, "files lists " + meta.files().keySet()
                    + " but a checkpoint " + (meta.optimizerAlgorithm() == null ? "without" : "with")
                    + " optimizer state has " + expected);
        }
    }

    private static void checkDigest(Path file, FileDigest recorded) throws IOException {
        long bytes;
        try {
            bytes = Files.size(file);
        } catch (NoSuchFileException e) {
            throw new CorruptCheckpointException(file, "missing (meta.json lists it with " + recorded.bytes() + " bytes)", e);
        }
        if (bytes < recorded.bytes()) {
            throw new CorruptCheckpointException(file, "truncated: meta.json says " + recorded.bytes()
                    + " bytes but the file has " + bytes);
        }
        if (bytes > recorded.bytes()) {
            throw new CorruptCheckpointException(file, "has " + bytes + " bytes but meta.json says "
                    + recorded.bytes());
        }
        FileDigest actual = FileDigest.of(file);
        if (actual.crc32c() != recorded.crc32c()) {
            throw new CorruptCheckpointException(file, "corrupt: CRC32C " + actual.crc32cHex()
                    + " does not match " + recorded.crc32cHex() + " recorded in meta.json");
        }
    }
}
