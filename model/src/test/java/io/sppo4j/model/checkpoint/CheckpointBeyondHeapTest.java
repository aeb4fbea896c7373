package io.sppo4j.model.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.sppo4j.model.TestPolicies;
import io.sppo4j.model.optim.AdamW;
import io.sppo4j.model.optim.AdamWConfig;
import io.sppo4j.model.optim.OptimizerState;
import io.sppo4j.model.optim.ParameterOnlyModel;
import io.sppo4j.model.weights.ModelParameters;
import io.sppo4j.model.weights.RandomTensors;
import io.sppo4j.model.weights.TensorDType;
import io.sppo4j.model.weights.TensorSpec;
import io.sppo4j.model.weights.WeightSnapshot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A training checkpoint (weights and AdamW moments) larger than the heap saves and resumes bit
 * for bit: every tensor streams between native memory and the files (run with -Xmx256m).
 */
@Tag("beyond-heap")
class CheckpointBeyondHeapTest {

    /** 33.6M parameters (134 MB of float32), so 403 MB with both moments. */
    private static final List<TensorSpec> WEIGHTS = weights();

    @TempDir
    Path dir;

    @Test
    void aCheckpointLargerThanTheHeapRoundTripsBitExact() throws IOException {
        try (NDManager manager = NDManager.newBaseManager();
                ParameterOnlyModel model = emptyModel(manager);
                AdamW adamW = new AdamW(AdamWConfig.DEFAULTS)) {
            ModelParameters.write(model, RandomTensors.normal(WEIGHTS, 0.02f, 1), "random weights");
            adamW.restoreState(new OptimizerState(AdamW.ALGORITHM, Map.of(AdamW.STEP_SCALAR, 7.0),
                    RandomTensors.normal(moments(), 1f, 2)), model);
            int weights = RandomTensors.checksum(ModelParameters.source(model));
            int state = RandomTensors.checksum(adamW.exportState().tensors());

            CheckpointStore store = new CheckpointStore(dir, 1);
            Path saved = store.save(new Checkpoint(TestPolicies.TINY, 3, 7, ModelParameters.source(model),
                    adamW.exportState(), 42, Map.of("run", "beyond-heap")));
            long fileBytes = Files.size(saved.resolve(CheckpointStore.MODEL_FILE))
                    + Files.size(saved.resolve(CheckpointStore.OPTIMIZER_FILE));
            assertTrue(fileBytes > Runtime.getRuntime().maxMemory(),
                    fileBytes + " bytes of checkpoint should exceed the heap of " + Runtime.getRuntime().maxMemory());

            Checkpoint loaded = store.load(saved);
            try (ParameterOnlyModel restored = emptyModel(manager); AdamW resumed = new AdamW(AdamWConfig.DEFAULTS)) {
                loaded.restoreInto(restored);
                resumed.restoreState(loaded.optimizer(), restored);
                assertEquals(weights, RandomTensors.checksum(ModelParameters.source(restored)), "weights");
                assertEquals(state, RandomTensors.checksum(resumed.exportState().tensors()), "moments");
                assertEquals(7, resumed.stepCount());
            }
            try (WeightSnapshot snapshot = loaded.weights()) { // what a resumed run hands its workers
                assertEquals(3, snapshot.version());
                assertEquals(weights, RandomTensors.checksum(snapshot));
            }
        }
    }

    private static List<TensorSpec> weights() {
        List<TensorSpec> specs = new ArrayList<>();
        specs.add(new TensorSpec("embed.weight", TensorDType.F32, new long[] {16384, 1024}));
        for (int i = 0; i < 8; i++) {
            specs.add(new TensorSpec("layer." + i + ".weight", TensorDType.F32, new long[] {2048, 1024}));
            specs.add(new TensorSpec("layer." + i + ".bias", TensorDType.F32, new long[] {2048}));
        }
        return specs;
    }

    private static List<TensorSpec> moments() {
        List<TensorSpec> specs = new ArrayList<>();
        for (TensorSpec weight : WEIGHTS) {
            specs.add(new TensorSpec(AdamW.FIRST_MOMENT_PREFIX + weight.name(), TensorDType.F32, weight.shape()));
            specs.add(new TensorSpec(AdamW.SECOND_MOMENT_PREFIX + weight.name(), TensorDType.F32, weight.shape()));
        }
        return specs;
    }

    private static ParameterOnlyModel emptyModel(NDManager manager) {
        ParameterOnlyModel model = new ParameterOnlyModel(manager);
        for (TensorSpec spec : WEIGHTS) {
            model.addEmpty(spec.name(), spec.shape());
        }
        return model;
    }
}
