package io.sppo4j.model.hf;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import io.sppo4j.model.checkpoint.DurableFiles;
import io.sppo4j.model.checkpoint.SafeTensors;
import io.sppo4j.model.nd.Autograd;
import io.sppo4j.model.weights.NamedTensor;
import io.sppo4j.model.weights.TensorDType;
import io.sppo4j.model.weights.TensorSource;
import io.sppo4j.model.weights.TensorSpec;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Writes an {@link HfModel} as a Hugging Face directory in the layout it was loaded from: the
 * same safetensors files holding the same tensors in the same order and on-disk dtype (a BF16
 * weight is saved as BF16), the same file metadata, and the companion files byte for byte.
 *
 * <p>Each shard is written tensor by tensor: a parameter is converted to its on-disk dtype on
 * its own and written, so a save holds one tensor's copy at a time, never the model.
 *
 * <p>Atomic: everything is written and fsynced in a temporary sibling directory, which then
 * replaces the target by rename, so a failed save leaves the previous directory as it was.
 */
final class HfModelDirectoryWriter {

    private HfModelDirectoryWriter() {}

    static void write(HfModel model, Path target) throws IOException {
        replaceDirectory(target, HfModelDirectory.CONFIG_FILE, directory -> writeContents(model, directory));
    }

    /** Fills a new directory. */
    @FunctionalInterface
    interface Contents {
        void writeInto(Path directory) throws IOException;
    }

    /**
     * Writes {@code contents} into a temporary sibling of {@code target}, fsyncs it, then puts it
     * in place by rename: a failure leaves the previous directory as it was.
     *
     * @param marker a file that marks {@code target} as one of ours to replace (else it must be empty)
     */
    static void replaceDirectory(Path target, String marker, Contents contents) throws IOException {
        Path absolute = target.toAbsolutePath().normalize();
        Path parent = absolute.getParent();
        Files.createDirectories(parent);
        checkReplaceable(absolute, marker);
        String name = absolute.getFileName().toString();
        Path temp = parent.resolve("." + name + ".tmp-" + UUID.randomUUID());
        try {
            Files.createDirectory(temp);
            contents.writeInto(temp);
            DurableFiles.syncDirectory(temp);
            if (Files.exists(absolute)) {
                Path aside = parent.resolve("." + name + ".old-" + UUID.randomUUID());
                DurableFiles.moveAtomically(absolute, aside);
                DurableFiles.moveAtomically(temp, absolute);
                DurableFiles.syncDirectory(parent);
                DurableFiles.deleteRecursively(aside);
            } else {
                DurableFiles.moveAtomically(temp, absolute);
                DurableFiles.syncDirectory(parent);
            }
        } catch (IOException | RuntimeException e) {
            DurableFiles.deleteRecursively(temp);
            throw e;
        }
    }

    /** A save replaces a directory it wrote (holding {@code marker}) or an empty one, never a directory of something else. */
    private static void checkReplaceable(Path target, String marker) throws IOException {
        if (!Files.exists(target)) {
            return;
        }
        if (!Files.isDirectory(target)) {
            throw new FileAlreadyExistsException(target.toString(), null, "exists and is not a directory");
        }
        if (Files.exists(target.resolve(marker))) {
            return;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(target)) {
            if (entries.iterator().hasNext()) {
                throw new FileAlreadyExistsException(target.toString(), null,
                        "exists, is not empty and holds no " + marker + "; refusing to replace it");
            }
        }
    }

    private static void writeContents(HfModel model, Path directory) throws IOException {
        HfModelDirectory layout = model.checkpoint();
        Map<String, Parameter> parameters = model.checkpointParameters();
        // A merged adapter's delta is often below a bf16 weight's resolution: rounded to the base's
        // dtype it would be lost, so the adapted weights are saved in float32.
        Set<String> adapted = model.adaptedWeights();
        for (HfModelDirectory.Shard shard : layout.shards()) {
            List<TensorSpec> specs = new ArrayList<>(shard.tensorNames().size());
            for (String tensorName : shard.tensorNames()) {
                Parameter parameter = parameters.get(tensorName);
                NamedTensor kept = layout.tensors().get(tensorName);
                if (parameter == null && kept == null) {
                    throw new IllegalStateException("tensor '" + tensorName + "' of " + shard.fileName()
                            + " is neither a parameter nor kept from " + layout.directory());
                }
                specs.add(parameter != null
                        ? new TensorSpec(tensorName, adapted.contains(tensorName) ? TensorDType.F32 : layout.dtypes().get(tensorName),
                                parameter.getArray().getShape().getShape())
                        : kept.spec());
            }
            TensorSource tensors = TensorSource.streamed(specs, visitor -> {
                // Paused: reading a parameter that records gradients must not add to a graph.
                try (Autograd.Scope paused = Autograd.paused()) {
                    for (TensorSpec spec : specs) {
                        Parameter parameter = parameters.get(spec.name());
                        if (parameter != null) {
                            visitParameter(model, spec, parameter, visitor);
                        } else {
                            visitor.visit(layout.tensors().get(spec.name()));
                        }
                    }
                }
            });
            Map<String, String> metadata = new LinkedHashMap<>(shard.metadata());
            DurableFiles.writeChannelSynced(directory.resolve(shard.fileName()),
                    out -> SafeTensors.write(out, tensors, metadata));
        }
        for (Map.Entry<String, byte[]> companion : layout.companions().entrySet()) {
            byte[] bytes = companion.getValue();
            DurableFiles.writeSynced(directory.resolve(companion.getKey()), out -> out.write(bytes));
        }
    }

    /** A weight as saved: with a LoRA adapter on it folded in, computed for this tensor alone and freed after. */
    private static void visitParameter(HfModel model, TensorSpec spec, Parameter parameter, TensorSource.Visitor visitor)
            throws IOException {
        NDArray merged = model.mergedWeight(spec.name());
        if (merged == null) {
            DiskTensors.visitAs(spec.name(), parameter.getArray(), spec.dtype(), visitor);
            return;
        }
        try {
            DiskTensors.visitAs(spec.name(), merged, spec.dtype(), visitor);
        } finally {
            merged.close();
        }
    }
}
