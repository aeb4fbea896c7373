package io.sppo4j.model.checkpoint;

import io.sppo4j.model.optim.OptimizerState;
import io.sppo4j.model.weights.SnapshotChecksum;
import io.sppo4j.model.weights.TensorSource;
import io.sppo4j.model.weights.TensorSpec;
import io.sppo4j.model.weights.WeightSnapshot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A directory of checkpoints, one subdirectory {@code step-%010d} each, holding
 * {@value #MODEL_FILE}, {@value #OPTIMIZER_FILE} (when there is optimiser state) and
 * {@value #META_FILE}.
 *
 * <p>A crash at any instant leaves the newest complete checkpoint loadable: a checkpoint is
 * written and fsynced under a {@code .tmp-} name and published by one atomic rename, so a
 * {@code step-} directory is always complete. Replacing a step moves the old directory aside to
 * {@code .replaced-step-...} first; until the new one is in place, readers take the aside copy
 * as that step, and the next save puts it back if the process died in between. Leftovers are
 * cleaned up by the next save. One process writes a store at a time; any number may read.
 */
public final class CheckpointStore {

    public static final String MODEL_FILE = "model.safetensors";
    public static final String OPTIMIZER_FILE = "optimizer.safetensors";
    public static final String META_FILE = "meta.json";

    private static final Logger LOG = LoggerFactory.getLogger(CheckpointStore.class);
    private static final String TEMP_PREFIX = ".tmp-";
    private static final String REPLACED_PREFIX = ".replaced-";
    static final Pattern STEP_NAME = Pattern.compile("step-(\\d{10,19})");
    private static final Pattern REPLACED_NAME = Pattern.compile("\\.replaced-step-(\\d{10,19})-[0-9a-f]+");
    /** Tells PyTorch loaders (transformers) that tensors are in PyTorch's layout. */
    private static final Map<String, String> SAFETENSORS_METADATA = Map.of("format", "pt");

    private final Path directory;
    private final int keep;
    private final CommitGuard guard;

    /**
     * @param directory where the checkpoints live; created on the first save
     * @param keep how many of the newest checkpoints survive a save (at least 1)
     */
    public CheckpointStore(Path directory, int keep) {
        this(directory, keep, CommitGuard.NONE);
    }

    /**
     * @param guard runs each save's rename into place and removal of old checkpoints; it may
     *     refuse them (a learner superseded by another must not write)
     */
    public CheckpointStore(Path directory, int keep, CommitGuard guard) {
        if (keep < 1) {
            throw new IllegalArgumentException("a checkpoint store must keep at least 1 checkpoint, got " + keep);
        }
        this.directory = directory;
        this.keep = keep;
        this.guard = guard;
    }

    public Path directory() {
        return directory;
    }

    public int keep() {
        return keep;
    }

    /**
     * Writes {@code checkpoint} durably as {@code step-<step>} (replacing one of the same step),
     * then deletes all but the newest {@link #keep()} checkpoints, never the one just written.
     *
     * @return the checkpoint's directory
     */
    public synchronized Path save(Checkpoint checkpoint) throws IOException {
        if (checkpoint.weightSource() instanceof WeightSnapshot snapshot) {
            snapshot.verify(); // never persist damaged weights under a fresh file checksum
        }
        Files.createDirectories(directory);
        cleanUpAfterCrash();
        String name = stepName(checkpoint.step());
        Path target = directory.resolve(name);
        Path temp = directory.resolve(TEMP_PREFIX + name + "-" + randomSuffix());
        Files.createDirectory(temp);
        try {
            writeContents(temp, checkpoint);
            DurableFiles.syncDirectory(temp);
            guard.commit(checkpoint.step(), () -> {
                publish(temp, target, name);
                retainNewest(checkpoint.step());
            });
        } catch (Throwable failure) {
            try {
                DurableFiles.deleteRecursively(temp);
            } catch (IOException cleanup) {
                failure.addSuppressed(cleanup); // harmless: readers ignore it, the next save removes it
            }
            throw failure;
        }
        return target;
    }

    /** Each file streamed tensor by tensor from the checkpoint's sources, then meta.json with their digests. */
    private static void writeContents(Path temp, Checkpoint checkpoint) throws IOException {
        Map<String, FileDigest> files = new LinkedHashMap<>();
        TensorSource weights = checkpoint.weightSource();
        SnapshotChecksum weightsChecksum = new SnapshotChecksum(checkpoint.version(), weights.specs().size());
        files.put(MODEL_FILE, DurableFiles.writeChannelSynced(temp.resolve(MODEL_FILE),
                out -> SafeTensors.write(out, checksummed(weights, weightsChecksum), SAFETENSORS_METADATA)));
        OptimizerState optimizer = checkpoint.optimizer();
        if (optimizer != null) {
            files.put(OPTIMIZER_FILE, DurableFiles.writeChannelSynced(temp.resolve(OPTIMIZER_FILE),
                    out -> SafeTensors.write(out, optimizer.tensors(), SAFETENSORS_METADATA)));
        }
        CheckpointMeta meta = new CheckpointMeta(checkpoint.step(), checkpoint.version(), checkpoint.rngSeed(),
                checkpoint.policyConfig(), weightsChecksum.value(),
                optimizer == null ? null : optimizer.algorithm(),
                optimizer == null ? Map.of() : optimizer.scalars(),
                checkpoint.extra(), files);
        byte[] json = meta.toJson();
        DurableFiles.writeSynced(temp.resolve(META_FILE), out -> out.write(json));
    }

    /** {@code source}, feeding every tensor it hands over into {@code checksum} on the way. */
    private static TensorSource checksummed(TensorSource source, SnapshotChecksum checksum) {
        return new TensorSource() {
            @Override
            public List<TensorSpec> specs() {
                return source.specs();
            }

            @Override
            public void forEach(Visitor visitor) throws IOException {
                source.forEach(tensor -> {
                    checksum.tensor(tensor.spec());
                    checksum.data(tensor.bytes());
                    visitor.visit(tensor);
                });
            }
        };
    }

    private void publish(Path temp, Path target, String name) throws IOException {
        if (Files.exists(target)) {
            // A directory cannot be renamed over a non-empty one: swap in three renames, each atomic.
            Path aside = directory.resolve(REPLACED_PREFIX + name + "-" + randomSuffix());
            DurableFiles.moveAtomically(target, aside);
            DurableFiles.moveAtomically(temp, target);
            DurableFiles.syncDirectory(directory);
            DurableFiles.deleteRecursively(aside);
        } else {
            DurableFiles.moveAtomically(temp, target);
            DurableFiles.syncDirectory(directory);
        }
    }

    private void retainNewest(long justWritten) throws IOException {
        List<Path> complete = list();
        int surplus = complete.size() - keep;
        for (Path old : complete.subList(0, Math.max(0, surplus))) {
            if (stepOf(old) == justWritten) {
                continue;
            }
            // Renamed first: a half-deleted step- directory would look complete to a reader.
            Path doomed = directory.resolve(TEMP_PREFIX + "deleted-" + old.getFileName() + "-" + randomSuffix());
            DurableFiles.moveAtomically(old, doomed);
            DurableFiles.deleteRecursively(doomed);
        }
        if (surplus > 0) {
            DurableFiles.syncDirectory(directory);
        }
    }

    /** Removes temp directories of interrupted saves and finishes interrupted replacements. */
    private void cleanUpAfterCrash() throws IOException {
        for (Path entry : sortedEntries()) {
            String name = entry.getFileName().toString();
            Matcher replaced = REPLACED_NAME.matcher(name);
            if (name.startsWith(TEMP_PREFIX)) {
                LOG.info("removing {}, left by an interrupted checkpoint save", entry);
                DurableFiles.deleteRecursively(entry);
            } else if (replaced.matches()) {
                Path original = directory.resolve("step-" + replaced.group(1));
                if (Files.exists(original)) {
                    DurableFiles.deleteRecursively(entry);
                } else {
                    LOG.warn("restoring {} from {}: a save replacing it was interrupted", original, entry);
                    DurableFiles.moveAtomically(entry, original);
                }
            }
        }
        DurableFiles.syncDirectory(directory);
    }

    private List<Path> sortedEntries() throws IOException {
        try (Stream<Path> listing = Files.list(directory)) {
            return listing.sorted().toList();
        }
    }

    /** Complete checkpoints in ascending step order; empty if the directory does not exist. */
    public List<Path> list() throws IOException {
        if (!Files.isDirectory(directory)) {
            return List.of();
        }
        TreeMap<Long, Path> byStep = new TreeMap<>();
        TreeMap<Long, Path> movedAside = new TreeMap<>();
        for (Path entry : sortedEntries()) {
            String name = entry.getFileName().toString();
            Matcher step = STEP_NAME.matcher(name);
            Matcher replaced = REPLACED_NAME.matcher(name);
            if (step.matches() && isComplete(entry)) {
                parseStep(step.group(1)).ifPresent(s -> byStep.put(s, entry));
            } else if (replaced.matches() && isComplete(entry)) {
                parseStep(replaced.group(1)).ifPresent(s -> movedAside.putIfAbsent(s, entry));
            }
        }
        movedAside.forEach(byStep::putIfAbsent); // only while its replacement is not yet in place
        return new ArrayList<>(byStep.values());
    }

    /** The complete checkpoint of the highest step, if any. */
    public Optional<Path> newest() throws IOException {
        List<Path> complete = list();
        return complete.isEmpty() ? Optional.empty() : Optional.of(complete.get(complete.size() - 1));
    }

    /**
     * The newest checkpoint, loaded. A damaged newest checkpoint is reported, not skipped:
     * resuming silently from an older one would repeat training the caller believes done.
     */
    public Optional<Checkpoint> loadNewest() throws IOException {
        Optional<Path> newest = newest();
        return newest.isEmpty() ? Optional.empty() : Optional.of(load(newest.get()));
    }

    /**
     * Loads a checkpoint directory: meta.json first, then each data file's length and CRC32C
     * against meta.json, then the safetensors headers and the weights' own checksum. The tensors
     * stay in their files, read one at a time when the checkpoint is restored.
     *
     * @throws CorruptCheckpointException naming the file at fault and what is wrong with it
     */
    public Checkpoint load(Path checkpointDirectory) throws IOException {
        return CheckpointReader.read(checkpointDirectory);
    }

    private static boolean isComplete(Path candidate) {
        return Files.isDirectory(candidate) && Files.isRegularFile(candidate.resolve(META_FILE));
    }

    private static long stepOf(Path checkpointDirectory) {
        Matcher name = STEP_NAME.matcher(checkpointDirectory.getFileName().toString());
        return name.matches() ? parseStep(name.group(1)).orElse(-1L) : -1L;
    }

    static Optional<Long> parseStep(String digits) {
        try {
            return Optional.of(Long.parseLong(digits));
        } catch (NumberFormatException e) {
            return Optional.empty(); // beyond Long.MAX_VALUE: not a name this store writes
        }
    }

    private static String stepName(long step) {
        return String.format("step-%010d", step);
    }

    private static String randomSuffix() {
        return Long.toHexString(ThreadLocalRandom.current().nextLong());
    }
}
