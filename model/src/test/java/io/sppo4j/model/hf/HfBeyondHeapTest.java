package io.sppo4j.model.hf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.sppo4j.model.checkpoint.SafeTensors;
import io.sppo4j.model.weights.NamedTensor;
import io.sppo4j.model.weights.TensorDType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A Hugging Face checkpoint larger than the heap loads and saves: shards are mapped, saves stream (run with -Xmx256m). */
@Tag("beyond-heap")
class HfBeyondHeapTest {

    @TempDir
    Path dir;

    @Test
    void aSmolLm2ShapedCheckpointLoadsAndSavesBitExactThroughASmallHeap() throws IOException {
        Path source = RealShapeHfModels.write(dir.resolve("smol"), RealShapeHfModels.LlamaShape.SMOLLM2_135M,
                TensorDType.BF16, 7);
        long fileBytes = Files.size(source.resolve(HfModelDirectory.SINGLE_FILE));
        assertTrue(fileBytes > Runtime.getRuntime().maxMemory(),
                fileBytes + " bytes of weights should exceed the heap of " + Runtime.getRuntime().maxMemory());
        Path target = dir.resolve("saved");
        try (HfCausalModel model = HfModels.loadCausal(source, Device.cpu())) {
            assertEquals(30 * 9 + 2, model.namedParameters().size());
            HfModels.save(model, target);
        }
        // Unchanged BF16 weights widened to float32 and narrowed back keep every bit.
        List<NamedTensor> expected = SafeTensors.read(source.resolve(HfModelDirectory.SINGLE_FILE)).tensors();
        SafeTensors.Contents actual = SafeTensors.read(target.resolve(HfModelDirectory.SINGLE_FILE));
        assertEquals(expected.size(), actual.tensors().size());
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.get(i), actual.tensors().get(i), expected.get(i).name()); // mapped bytes compared in place
        }
        assertEquals("pt", actual.metadata().get("format"));
    }
}
