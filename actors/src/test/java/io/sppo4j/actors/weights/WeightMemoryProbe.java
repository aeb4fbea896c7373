package io.sppo4j.actors.weights;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.sppo4j.actors.data.SnapshotHeader;
import io.sppo4j.model.checkpoint.Checkpoint;
import io.sppo4j.model.checkpoint.CheckpointStore;
import io.sppo4j.model.hf.HfCausalModel;
import io.sppo4j.model.hf.HfModels;
import io.sppo4j.model.hf.RealShapeHfModels;
import io.sppo4j.model.optim.AdamW;
import io.sppo4j.model.optim.AdamWConfig;
import io.sppo4j.model.weights.ModelParameters;
import io.sppo4j.model.weights.TensorDType;
import io.sppo4j.model.weights.TensorEncoding;
import io.sppo4j.model.weights.WeightSnapshot;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Peak heap, peak RSS and seconds of each weight-moving phase for a SmolLM2-135M-shaped model
 * (random bf16 weights): Hugging Face load, training checkpoint save and restore (model and
 * AdamW moments), weight version export, transfer over the real connection, and load into a
 * worker's model, and the Hugging Face save. Prints one JSON object per phase.
 *
 * <pre>
 *   java -Xmx1g -cp ... io.sppo4j.actors.weights.WeightMemoryProbe SCRATCH_DIR
 * </pre>
 */
public final class WeightMemoryProbe {

    private WeightMemoryProbe() {}

    public static void main(String[] args) throws Exception {
        Path scratch = Path.of(args[0]);
        Path source = scratch.resolve("smollm2-135m");
        if (!Files.isRegularFile(source.resolve("model.safetensors"))) {
            RealShapeHfModels.write(source, RealShapeHfModels.LlamaShape.SMOLLM2_135M, TensorDType.BF16, 7);
        }
        List<String> lines = new ArrayList<>();
        try (NDManager manager = NDManager.newBaseManager()) {
            HfCausalModel[] learner = new HfCausalModel[1];
            lines.add(phase("hf_load", () -> learner[0] = HfModels.loadCausal(source, manager, Device.cpu())));
            try (HfCausalModel policy = learner[0];
                    HfCausalModel worker = HfModels.loadCausal(source, manager, Device.cpu());
                    AdamW adamW = new AdamW(AdamWConfig.DEFAULTS);
                    AdamW resumed = new AdamW(AdamWConfig.DEFAULTS)) {
                policy.setTrainable(true);
                adamW.step(policy); // zero gradients: creates both moments of every parameter
                CheckpointStore store = new CheckpointStore(scratch.resolve("checkpoints"), 1);
                Path[] saved = new Path[1];
                lines.add(phase("checkpoint_save", () -> saved[0] = store.save(new Checkpoint(policy.shape(), 1, 1,
                        ModelParameters.source(policy), adamW.exportState(), 0, Map.of()))));
                lines.add(phase("checkpoint_restore", () -> {
                    Checkpoint loaded = store.load(saved[0]);
                    loaded.restoreInto(worker);
                    resumed.restoreState(loaded.optimizer(), worker);
                }));
                for (TensorEncoding encoding : TensorEncoding.values()) {
                    String dtype = encoding.name().toLowerCase(Locale.ROOT);
                    WeightSnapshot[] snapshot = new WeightSnapshot[1];
                    lines.add(phase("export_" + dtype, () -> snapshot[0] = WeightSnapshot.export(policy, 2, encoding)));
                    WeightSnapshot[] received = new WeightSnapshot[1];
                    lines.add(phase("transfer_" + dtype, () -> received[0] = transfer(snapshot[0])));
                    snapshot[0].close();
                    lines.add(phase("load_" + dtype, () -> received[0].importInto(worker)));
                    received[0].close();
                }
                lines.add(phase("hf_save", () -> HfModels.save(policy, scratch.resolve("saved"))));
            }
        }
        lines.forEach(System.out::println);
    }

    /** Serves the version on one transport and fetches it on another, over loopback. */
    private static WeightSnapshot transfer(WeightSnapshot snapshot) throws Exception {
        try (WeightTransport server = new WeightTransport(WeightTransport.Settings.LOOPBACK);
                WeightTransport reader = new WeightTransport(WeightTransport.Settings.LOOPBACK);
                SnapshotAssembly assembly = new SnapshotAssembly(SnapshotHeader.of(snapshot))) {
            server.serve(snapshot);
            CompletableFuture<String> outcome = new CompletableFuture<>();
            reader.fetch("127.0.0.1", server.port(), assembly, () -> outcome.complete("done"), outcome::complete);
            String result = outcome.get(10, TimeUnit.MINUTES);
            if (!result.equals("done")) {
                throw new IOException(result);
            }
            return assembly.snapshot();
        }
    }

    @FunctionalInterface
    private interface Work {
        void run() throws Exception;
    }

    /** Runs {@code work} from a collected heap and a reset RSS high-water mark; its figures as JSON. */
    private static String phase(String name, Work work) throws Exception {
        System.gc();
        List<MemoryPoolMXBean> heap = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(pool -> pool.getType() == MemoryType.HEAP).toList();
        heap.forEach(MemoryPoolMXBean::resetPeakUsage);
        long heapBefore = heap.stream().mapToLong(pool -> pool.getUsage().getUsed()).sum();
        long rssBefore = status("VmRSS:");
        Files.writeString(Path.of("/proc/self/clear_refs"), "5"); // resets VmHWM to the current RSS
        long started = System.nanoTime();
        work.run();
        double seconds = (System.nanoTime() - started) / 1e9;
        long heapPeak = heap.stream().mapToLong(pool -> pool.getPeakUsage().getUsed()).sum();
        return String.format(Locale.ROOT,
                "{\"phase\": \"%s\", \"seconds\": %.3f, \"heap_before_mb\": %d, \"heap_peak_mb\": %d,"
                        + " \"rss_before_mb\": %d, \"rss_peak_mb\": %d, \"rss_after_mb\": %d, \"snapshot_native_mb\": %d}",
                name, seconds, heapBefore >> 20, heapPeak >> 20, rssBefore >> 10, status("VmHWM:") >> 10,
                status("VmRSS:") >> 10, WeightSnapshot.nativeBytesHeld() >> 20);
    }

    /** A /proc/self/status field in kB. */
    private static long status(String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(field)) {
                return Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]);
            }
        }
        throw new IOException("no " + field + " in /proc/self/status");
    }
}
