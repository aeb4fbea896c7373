package io.sppo4j.model.hf;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.sppo4j.model.decoder.Decoder;
import io.sppo4j.model.hf.TinyHfModels.Kind;
import io.sppo4j.model.nd.Autograd;
import io.sppo4j.model.nd.Precision;
import io.sppo4j.model.weights.TensorDType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fused decoding pass (every block in one TorchScript call) gives the logits of the
 * per-operation pass, step for step over a left-padded batch, for grouped keys and values, q/k/v
 * biases, and float32 and bfloat16 weights.
 */
class FusedDecodingTest {

    private static final List<int[]> PROMPTS = List.of(new int[] {1, 9, 33, 4}, new int[] {1}, new int[] {1, 60, 7, 7, 21, 40, 3});
    private static final long[][] CONTINUATION = {{5, 10, 15}, {6, 11, 16}, {7, 12, 17}, {8, 13, 18}, {9, 14, 19}};

    @TempDir
    Path temp;

    @AfterEach
    void fusedAgain() {
        Decoder.fusedDecoding(true);
    }

    @ParameterizedTest
    @CsvSource({"LLAMA, fp32", "QWEN2, fp32", "MISTRAL, fp32", "LLAMA, bf16", "QWEN2, bf16"})
    void fusedStepsGiveThePerOperationLogits(Kind kind, String precision) throws IOException {
        TinyHfModels.write(temp.resolve("m"), kind, TensorDType.BF16, 1, 41);
        List<float[]> fused;
        List<float[]> perOperation;
        List<float[]> float32;
        try (NDManager root = NDManager.newBaseManager(Device.cpu());
                HfCausalModel model = HfModels.loadCausal(temp.resolve("m"), root, Device.cpu(),
                        Precision.parse(precision, false, "test"));
                HfCausalModel reference = HfModels.loadCausal(temp.resolve("m"), root, Device.cpu(), Precision.FP32);
                Autograd.Scope inference = Autograd.paused()) {
            long before = Decoder.fusedPasses();
            fused = DecodingSteps.logits(model, PROMPTS, CONTINUATION, true);
            assertEquals(CONTINUATION.length + 1, Decoder.fusedPasses() - before, "every cached pass fused");
            perOperation = DecodingSteps.logits(model, PROMPTS, CONTINUATION, false);
            float32 = DecodingSteps.logits(reference, PROMPTS, CONTINUATION, false);
            assertEquals(CONTINUATION.length + 1, Decoder.fusedPasses() - before, "no fused pass when off");
        }
        for (int step = 0; step < fused.size(); step++) {
            String where = kind + " " + precision + " step " + step;
            if (precision.equals("fp32")) {
                assertArrayEquals(perOperation.get(step), fused.get(step), 1e-5f, where);
            } else {
                // Without biases bfloat16 is bit for bit (same operations, order and types). Qwen2's
                // q/k/v biases are added inside the matrix product by TorchScript's linear, after
                // its rounding by DJL's: the fused pass must then be as close to float32 as the
                // per-operation pass is.
                double fusedError = DecodingSteps.maxDifference(fused.get(step), float32.get(step));
                double perOperationError = DecodingSteps.maxDifference(perOperation.get(step), float32.get(step));
                assertTrue(fusedError <= 1.25 * perOperationError + 1e-6,
                        where + ": fused " + fusedError + " from float32, per operation " + perOperationError);
                if (kind != Kind.QWEN2) {
                    assertArrayEquals(perOperation.get(step), fused.get(step), 0f, where);
                }
            }
        }
    }
}
