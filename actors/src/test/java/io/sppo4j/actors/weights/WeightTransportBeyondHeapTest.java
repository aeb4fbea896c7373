package io.sppo4j.actors.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.sppo4j.actors.data.SnapshotHeader;
import io.sppo4j.model.hf.RealShapeHfModels.LlamaShape;
import io.sppo4j.model.optim.ParameterOnlyModel;
import io.sppo4j.model.weights.ModelParameters;
import io.sppo4j.model.weights.RandomTensors;
import io.sppo4j.model.weights.TensorDType;
import io.sppo4j.model.weights.TensorEncoding;
import io.sppo4j.model.weights.TensorSpec;
import io.sppo4j.model.weights.WeightSnapshot;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A SmolLM2-135M-shaped version, larger than the heap even in bf16, goes from one model's
 * parameters through the real transfer connection into another's: native memory to socket to
 * native memory, a chunk at a time (run with -Xmx256m).
 */
@Tag("beyond-heap")
class WeightTransportBeyondHeapTest {

    private static final List<TensorSpec> SHAPES = LlamaShape.SMOLLM2_135M.specs(TensorDType.F32);

    @Test
    void aBf16VersionLargerThanTheHeapArrivesAndLoadsBitExact() throws Exception {
        long heldBefore = WeightSnapshot.nativeBytesHeld();
        try (NDManager manager = NDManager.newBaseManager();
                ParameterOnlyModel learner = model(manager);
                ParameterOnlyModel worker = model(manager)) {
            ModelParameters.write(learner, RandomTensors.normal(SHAPES, 0.02f, 5), "random weights");
            int sent;
            try (WeightSnapshot snapshot = WeightSnapshot.export(learner, 12, TensorEncoding.BF16);
                    WeightTransport source = new WeightTransport(WeightTransport.Settings.LOOPBACK);
                    WeightTransport reader = new WeightTransport(WeightTransport.Settings.LOOPBACK);
                    SnapshotAssembly assembly = new SnapshotAssembly(SnapshotHeader.of(snapshot))) {
                assertTrue(snapshot.byteSize() > Runtime.getRuntime().maxMemory(),
                        snapshot.byteSize() + " bytes should exceed the heap of " + Runtime.getRuntime().maxMemory());
                sent = snapshot.checksum();
                source.serve(snapshot);
                CompletableFuture<String> outcome = new CompletableFuture<>();
                reader.fetch("127.0.0.1", source.port(), assembly, () -> outcome.complete("done"), outcome::complete);
                assertEquals("done", outcome.get(5, TimeUnit.MINUTES));
                try (WeightSnapshot received = assembly.snapshot()) { // its checksum is checked here
                    assertEquals(sent, received.checksum());
                    received.importInto(worker);
                }
            }
            // The worker holds the bf16 rounding of the learner's weights: exported again, the same bytes.
            try (WeightSnapshot loaded = WeightSnapshot.export(worker, 12, TensorEncoding.BF16)) {
                assertEquals(sent, loaded.checksum());
            }
        }
        assertEquals(heldBefore, WeightSnapshot.nativeBytesHeld(), "every version's native memory is freed on close");
    }

    private static ParameterOnlyModel model(NDManager manager) {
        ParameterOnlyModel model = new ParameterOnlyModel(manager);
        for (TensorSpec spec : SHAPES) {
            model.addEmpty(spec.name(), spec.shape());
        }
        return model;
    }
}
