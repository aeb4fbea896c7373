package io.sppo4j.model.hf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.sppo4j.model.decoder.Decoder;
import io.sppo4j.model.decoder.PackedFp16Weights;
import io.sppo4j.model.hf.TinyHfModels.Kind;
import io.sppo4j.model.memory.ModelMemory;
import io.sppo4j.model.nd.Autograd;
import io.sppo4j.model.nd.Precision;
import io.sppo4j.model.weights.ModelParameters;
import io.sppo4j.model.weights.TensorDType;
import io.sppo4j.model.weights.TensorEncoding;
import io.sppo4j.model.weights.WeightSnapshot;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Decoding on float16-packed weights (fbgemm, float32 activations) computes what float32
 * decoding computes on the same weights rounded to float16: checked exactly where the checkpoint
 * already holds float16 values (packing then loses nothing), and within float16's rounding on
 * float32 weights. A new weight version is packed anew, and where packing does not apply (bfloat16,
 * the GPT-2 layout) it is declined.
 */
class PackedFp16DecodingTest {

    private static final List<int[]> PROMPTS = List.of(new int[] {1, 9, 33, 4}, new int[] {1}, new int[] {1, 60, 7, 7, 21, 40, 3});
    private static final long[][] CONTINUATION = {{5, 10, 15}, {6, 11, 16}, {7, 12, 17}, {8, 13, 18}};

    @TempDir
    Path temp;

    @BeforeEach
    void needsFbgemm() {
        assumeTrue(PackedFp16Weights.supported(Device.cpu(), DataType.FLOAT32), "this libtorch has no fbgemm");
    }

    @AfterEach
    void fusedAgain() {
        Decoder.fusedDecoding(true);
    }

    @ParameterizedTest
    @EnumSource(value = Kind.class, names = {"LLAMA", "QWEN2", "MISTRAL"})
    void onFloat16WeightsPackedDecodingIsFloat32Decoding(Kind kind) throws IOException {
        TinyHfModels.write(temp.resolve("m"), kind, TensorDType.F16, 1, 43);
        try (NDManager root = NDManager.newBaseManager(Device.cpu());
                HfCausalModel model = HfModels.loadCausal(temp.resolve("m"), root, Device.cpu(), Precision.FP32);
                Autograd.Scope inference = Autograd.paused()) {
            List<float[]> float32 = DecodingSteps.logits(model, PROMPTS, CONTINUATION, false);
            assertTrue(model.decodeWithPackedFp16Weights(true));
            long before = Decoder.fusedPasses();
            List<float[]> packed = DecodingSteps.logits(model, PROMPTS, CONTINUATION, true);
            assertEquals(CONTINUATION.length + 1, Decoder.fusedPasses() - before, "every cached pass fused");
            assertEquals(matrixElements(model), model.packedFp16Parameters(), "every matrix and the head packed");
            assertEquals(ModelMemory.packedFp16Weights(model.decoderConfig()), 2 * model.packedFp16Parameters(),
                    "the memory ledger's line");
            // Same weights, same float32 activations: only the kernels' summation order differs.
            double worst = DecodingSteps.maxDifference(packed, float32);
            assertTrue(worst < 1e-4, kind + ": largest difference over the steps " + worst);
        }
    }

    @Test
    void onFloat32WeightsPackedDecodingStaysWithinFloat16Rounding() throws IOException {
        TinyHfModels.write(temp.resolve("m"), Kind.LLAMA, TensorDType.F32, 1, 44);
        try (NDManager root = NDManager.newBaseManager(Device.cpu());
                HfCausalModel model = HfModels.loadCausal(temp.resolve("m"), root, Device.cpu(), Precision.FP32);
                Autograd.Scope inference = Autograd.paused()) {
            List<float[]> float32 = DecodingSteps.logits(model, PROMPTS, CONTINUATION, true);
            model.decodeWithPackedFp16Weights(true);
            List<float[]> packed = DecodingSteps.logits(model, PROMPTS, CONTINUATION, true);
            double worst = DecodingSteps.maxDifference(packed, float32);
            assertTrue(worst > 0, "the weights were rounded to float16");
            assertTrue(worst < 2e-2, "float16 rounding moves the logits little: " + worst);
        }
    }

    @Test
    void aNewVersionIsPackedAnewAndOffGoesBackToFloat32() throws IOException {
        TinyHfModels.write(temp.resolve("a"), Kind.LLAMA, TensorDType.F16, 1, 45);
        TinyHfModels.write(temp.resolve("b"), Kind.LLAMA, TensorDType.F16, 1, 46);
        try (NDManager root = NDManager.newBaseManager(Device.cpu());
                HfCausalModel model = HfModels.loadCausal(temp.resolve("a"), root, Device.cpu(), Precision.FP32);
                HfCausalModel next = HfModels.loadCausal(temp.resolve("b"), root, Device.cpu(), Precision.FP32);
                Autograd.Scope inference = Autograd.paused()) {
            model.decodeWithPackedFp16Weights(true);
            List<float[]> first = DecodingSteps.logits(model, PROMPTS, CONTINUATION, true);
            try (WeightSnapshot version = WeightSnapshot.export(next, 2, TensorEncoding.FP32)) {
                version.importInto(model);
            }
            List<float[]> afterImport = DecodingSteps.logits(model, PROMPTS, CONTINUATION, true);
            List<float[]> expected = DecodingSteps.logits(next, PROMPTS, CONTINUATION, false);
            assertTrue(DecodingSteps.maxDifference(first.get(0), afterImport.get(0)) > 1e-3, "the version changed the logits");
            assertTrue(DecodingSteps.maxDifference(afterImport, expected) < 1e-4,
                    "every step decodes the imported weights, not stale packed copies");
            // An in-place write through ModelParameters (a checkpoint load) also drops the copies.
            ModelParameters.write(model, ModelParameters.source(next), "test");
            assertEquals(0, model.packedFp16Parameters());

            assertFalse(model.decodeWithPackedFp16Weights(false));
            List<float[]> plain = DecodingSteps.logits(model, PROMPTS, CONTINUATION, true);
            assertEquals(0, model.packedFp16Parameters(), "turning it off frees the copies");
            assertTrue(DecodingSteps.maxDifference(plain, expected) < 1e-5);
        }
    }

    @Test
    void declinedForBfloat16AndForGpt2() throws IOException {
        TinyHfModels.write(temp.resolve("llama"), Kind.LLAMA, TensorDType.F16, 1, 47);
        TinyHfModels.write(temp.resolve("gpt2"), Kind.GPT2, TensorDType.F32, 1, 47);
        try (NDManager root = NDManager.newBaseManager(Device.cpu());
                HfCausalModel bf16 = HfModels.loadCausal(temp.resolve("llama"), root, Device.cpu(), Precision.BF16);
                HfCausalModel gpt2 = HfModels.loadCausal(temp.resolve("gpt2"), root, Device.cpu(), Precision.FP32)) {
            assertFalse(bf16.decodeWithPackedFp16Weights(true), "bfloat16 decoding keeps its own weights");
            assertFalse(gpt2.decodeWithPackedFp16Weights(true), "the GPT-2 layout has no fused pass");
        }
    }

    /** Elements of the blocks' matrices and the output head (the embedding table only where the head is tied to it). */
    private static long matrixElements(HfCausalModel model) {
        long total = 0;
        for (var entry : model.namedParameters().entrySet()) {
            Shape shape = entry.getValue().getArray().getShape();
            boolean lookupOnly = entry.getKey().endsWith("embed_tokens.weight") && !model.decoderConfig().tiedEmbeddings();
            if (shape.dimension() == 2 && !lookupOnly) {
                total += shape.size();
            }
        }
        return total;
    }
}
