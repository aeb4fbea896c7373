package io.sppo4j.cluster.bench;

import ai.djl.ndarray.NDManager;
import io.sppo4j.actors.data.SnapshotHeader;
import io.sppo4j.actors.weights.SnapshotAssembly;
import io.sppo4j.actors.weights.WeightTransport;
import io.sppo4j.model.checkpoint.Checkpoint;
import io.sppo4j.model.checkpoint.CheckpointStore;
import io.sppo4j.model.checkpoint.DurableFiles;
import io.sppo4j.model.hf.HfCausalModel;
import io.sppo4j.model.loss.LossResult;
import io.sppo4j.model.loss.SppoLoss;
import io.sppo4j.model.memory.AvailableMemory;
import io.sppo4j.model.memory.NativeHeap;
import io.sppo4j.model.nd.Autograd;
import io.sppo4j.model.optim.AdamW;
import io.sppo4j.model.optim.StepStats;
import io.sppo4j.model.policy.LanguageModel;
import io.sppo4j.model.scoring.SequenceScorer;
import io.sppo4j.model.weights.TensorEncoding;
import io.sppo4j.model.weights.WeightSnapshot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The learner's phases of {@code bench llm}: one SPPO step split into forward, backward and
 * optimiser; a weight version's export, transfer over the real weight transport on loopback and
 * load; a checkpoint's write.
 */
final class LearnerPhases {

    /** One step's parts in seconds, and the tokens it ran (prompt and response positions of every sequence). */
    record Step(double forward, double backward, double optimizer, long tokens, StepStats stats) {

        double total() {
            return forward + backward + optimizer;
        }
    }

    /** A weight version's life in seconds: export, transfer (loopback socket), load into a model. */
    record Version(double export, double transfer, double load, long bytes) {}

    private final int pad;

    LearnerPhases(int pad) {
        this.pad = pad;
    }

    /** One SPPO step on {@code prompts} and {@code responses} with made-up win rates; the first call warms up. */
    Step step(HfCausalModel policy, AdamW optimizer, List<int[]> prompts, List<int[]> responses) {
        float[] samplerLogProbs = new float[prompts.size()];
        float[] winRates = new float[prompts.size()];
        long tokens = 0;
        for (int i = 0; i < prompts.size(); i++) {
            samplerLogProbs[i] = -1f * responses.get(i).length;
            winRates[i] = (i % 4) / 3f;
            tokens += prompts.get(i).length + responses.get(i).length;
        }
        SequenceScorer scorer = new SequenceScorer(pad);
        SppoLoss loss = new SppoLoss(4f);
        double forward;
        double backward;
        try (NDManager scope = policy.manager().newSubManager()) {
            try (Autograd.Scope recording = Autograd.recording()) {
                long start = System.nanoTime();
                LossResult result = loss.compute(
                        scorer.score(policy, scope, prompts, responses, true).sequenceLogProbs(), samplerLogProbs, winRates);
                result.loss().getFloat(); // the forward pass has finished
                long forwardEnd = System.nanoTime();
                Autograd.backward(result.loss());
                forward = (forwardEnd - start) / 1e9;
                backward = (System.nanoTime() - forwardEnd) / 1e9;
            }
        }
        long start = System.nanoTime();
        StepStats stats = optimizer.step(policy);
        return new Step(forward, backward, (System.nanoTime() - start) / 1e9, tokens, stats);
    }

    /**
     * The resident set once freed native memory is given back (malloc_trim): the baseline a
     * learner's growth is measured from, so memory an earlier phase freed is not counted as free.
     */
    static long trimmedResidentBytes() {
        NativeHeap.trim();
        return AvailableMemory.residentBytes();
    }

    /** Exports {@code policy}, sends it through a {@link WeightTransport} on loopback and loads it into {@code into}. */
    Version version(LanguageModel policy, TensorEncoding encoding, LanguageModel into) throws IOException, InterruptedException {
        long start = System.nanoTime();
        WeightSnapshot snapshot = WeightSnapshot.export(policy, 1, encoding);
        double export = (System.nanoTime() - start) / 1e9;
        WeightSnapshot received;
        double transfer;
        try (WeightTransport server = new WeightTransport(WeightTransport.Settings.LOOPBACK);
                WeightTransport client = new WeightTransport(WeightTransport.Settings.LOOPBACK)) {
            server.serve(snapshot);
            SnapshotAssembly assembly = new SnapshotAssembly(SnapshotHeader.of(snapshot));
            CountDownLatch done = new CountDownLatch(1);
            AtomicReference<String> failure = new AtomicReference<>();
            start = System.nanoTime();
            client.fetch(server.host(), server.port(), assembly, done::countDown, message -> {
                failure.set(message);
                done.countDown();
            });
            if (!done.await(10, TimeUnit.MINUTES) || failure.get() != null) {
                throw new IOException("weight transfer failed: " + failure.get());
            }
            received = assembly.snapshot(); // checksum verified
            transfer = (System.nanoTime() - start) / 1e9;
        }
        start = System.nanoTime();
        received.importInto(into);
        return new Version(export, transfer, (System.nanoTime() - start) / 1e9, snapshot.byteSize());
    }

    /** Seconds to write a learner checkpoint (float32 weights and the optimiser's state) into a temporary directory. */
    double checkpoint(HfCausalModel policy, AdamW optimizer) throws IOException {
        Path directory = Files.createTempDirectory("sppo4j-bench-checkpoint");
        try {
            long start = System.nanoTime();
            Checkpoint checkpoint = Checkpoint.capture(policy, 1, 1, optimizer.exportState(), 1, Map.of());
            new CheckpointStore(directory, 1).save(checkpoint);
            return (System.nanoTime() - start) / 1e9;
        } finally {
            DurableFiles.deleteRecursively(directory);
        }
    }
}
