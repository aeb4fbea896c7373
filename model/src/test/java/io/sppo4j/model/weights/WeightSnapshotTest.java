package io.sppo4j.model.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import io.sppo4j.model.TestPolicies;
import io.sppo4j.model.nd.Autograd;
import io.sppo4j.model.policy.PolicyConfig;
import io.sppo4j.model.hf.HfCausalModel;
import io.sppo4j.model.sampling.TokenBatch;
import io.sppo4j.model.tokenizer.ByteTokenizer;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class WeightSnapshotTest {

    private static NDManager manager;
    private static HfCausalModel source;

    @BeforeAll
    static void setUp() {
        manager = NDManager.newBaseManager();
        source = TestPolicies.tiny(manager, 1);
    }

    @AfterAll
    static void tearDown() {
        source.close();
        manager.close();
    }

    @Test
    void importIntoADifferentlySeededPolicyCopiesEveryBitAndTheLogits() {
        WeightSnapshot snapshot = WeightSnapshot.export(source, 3, TensorEncoding.FP32);
        try (HfCausalModel target = TestPolicies.tiny(manager, 2)) {
            target.setTrainable(true);
            List<Parameter> before = new ArrayList<>(target.namedParameters().values());
            assertTrue(WeightFixtures.logits(source)[0] != WeightFixtures.logits(target)[0], "seeds should differ");

            snapshot.importInto(target);

            assertEquals(snapshot.tensors(), WeightFixtures.parameters(target), "parameter bytes");
            assertArrayEquals(WeightFixtures.logits(source), WeightFixtures.logits(target), "logits");
            List<Parameter> after = new ArrayList<>(target.namedParameters().values());
            for (int i = 0; i < before.size(); i++) {
                assertSame(before.get(i), after.get(i), "parameter objects are updated in place");
                assertTrue(after.get(i).getArray().hasGradient(), after.get(i).getName() + " still requires grad");
            }
            assertGradientsFlow(target);
        }
    }

    @Test
    void exportLeavesTheSnapshotIndependentOfLaterTraining() {
        WeightSnapshot snapshot = WeightSnapshot.export(source, 1, TensorEncoding.FP32);
        try (HfCausalModel target = TestPolicies.tiny(manager, 2)) {
            snapshot.importInto(target);
            try (Autograd.Scope paused = Autograd.paused()) {
                target.namedParameters().get("transformer.wte.weight").getArray().muli(2); // what an optimiser step does
            }
            snapshot.verify();
            assertEquals(WeightSnapshot.export(source, 1, TensorEncoding.FP32), snapshot);
        }
    }

    @Test
    void importWritesIntoTheParametersExistingStorage() {
        WeightSnapshot snapshot = WeightSnapshot.export(source, 1, TensorEncoding.FP32);
        try (HfCausalModel target = TestPolicies.tiny(manager, 2); NDManager scope = manager.newSubManager()) {
            NDArray view = target.namedParameters().get("transformer.wpe.weight").getArray().get(0); // shares storage
            view.attach(scope);
            snapshot.importInto(target);
            float[] expected = new float[TestPolicies.TINY.width()];
            System.arraycopy(snapshot.tensors().get(1).toFloats(), 0, expected, 0, expected.length);
            assertArrayEquals(expected, view.toFloatArray(), "a view taken before the import sees the new values");
        }
    }

    @Test
    void repeatedExportAndImportLeaveNoArraysBehind() {
        try (HfCausalModel target = TestPolicies.tiny(manager, 2)) {
            target.setTrainable(true);
            WeightSnapshot snapshot = WeightSnapshot.export(source, 1, TensorEncoding.BF16);
            snapshot.importInto(target);
            int baseline = target.manager().getManagedArrays().size();
            for (int i = 0; i < 50; i++) {
                WeightSnapshot.export(target, i, TensorEncoding.FP32).importInto(target);
                snapshot.importInto(target);
            }
            assertEquals(baseline, target.manager().getManagedArrays().size());
        }
    }

    @Test
    void checksumCatchesAFlippedByteAndTheImportIsRefused() {
        WeightSnapshot snapshot = WeightSnapshot.export(source, 4, TensorEncoding.FP32);
        List<NamedTensor> damaged = new ArrayList<>(snapshot.tensors());
        int index = damaged.size() / 2;
        NamedTensor victim = damaged.get(index);
        byte[] data = victim.data().clone();
        data[data.length / 3] ^= 0x10;
        damaged.set(index, new NamedTensor(victim.name(), victim.dtype(), victim.shape(), data));
        WeightSnapshot received = WeightSnapshot.withClaimedChecksum(4, TensorEncoding.FP32, damaged, snapshot.checksum());

        CorruptSnapshotException error = assertThrows(CorruptSnapshotException.class, received::verify);
        assertTrue(error.getMessage().contains("checksum mismatch"), error.getMessage());
        try (HfCausalModel target = TestPolicies.tiny(manager, 2)) {
            List<NamedTensor> untouched = WeightFixtures.parameters(target);
            assertThrows(CorruptSnapshotException.class, () -> received.importInto(target));
            assertEquals(untouched, WeightFixtures.parameters(target));
        }
        snapshot.verify(); // the original is intact
    }

    @Test
    void checksumCoversVersionNamesAndOrder() {
        // The tensors are views of the snapshot's native memory: hold it open while they are read.
        try (WeightSnapshot snapshot = WeightSnapshot.export(source, 0, TensorEncoding.FP32)) {
            checksumCoversVersionNamesAndOrder(snapshot.tensors());
        }
    }

    private static void checksumCoversVersionNamesAndOrder(List<NamedTensor> tensors) {
        int reference = WeightSnapshot.checksumOf(5, tensors);
        assertNotEquals(reference, WeightSnapshot.checksumOf(6, tensors), "version");
        List<NamedTensor> swapped = new ArrayList<>(tensors);
        Collections.swap(swapped, 2, 3); // h.0.ln_1.weight and .bias: same shape, different data
        assertNotEquals(reference, WeightSnapshot.checksumOf(5, swapped), "order");
        List<NamedTensor> renamed = new ArrayList<>(tensors);
        NamedTensor first = tensors.get(0);
        renamed.set(0, new NamedTensor("wte.weighT", first.dtype(), first.shape(), first.data()));
        assertNotEquals(reference, WeightSnapshot.checksumOf(5, renamed), "name");
    }

    @Test
    void aSnapshotOfAnotherShapeIsRefusedNamingTheTensorAndChangesNothing() {
        PolicyConfig tiny = TestPolicies.TINY;
        try (HfCausalModel target = TestPolicies.tiny(manager, 2)) {
            List<NamedTensor> untouched = WeightFixtures.parameters(target);

            // wpe.weight is the second tensor: wte.weight fits and must not be written either.
            String longer = refusal(withConfig(tiny.vocabSize(), tiny.width(), tiny.layers(), 128), target);
            assertTrue(longer.contains("'transformer.wpe.weight'") && longer.contains("[128, 32]") && longer.contains("[64, 32]"), longer);

            String wider = refusal(withConfig(tiny.vocabSize(), 64, tiny.layers(), tiny.contextLength()), target);
            assertTrue(wider.contains("'transformer.wte.weight'") && wider.contains("shape"), wider);

            String deeper = refusal(withConfig(tiny.vocabSize(), tiny.width(), 3, tiny.contextLength()), target);
            assertTrue(deeper.contains("unexpected tensors 'transformer.h.2."), deeper);

            assertEquals(untouched, WeightFixtures.parameters(target), "a refused snapshot writes nothing");
        }
        try (HfCausalModel deeper = TestPolicies.create(
                new PolicyConfig(tiny.vocabSize(), tiny.width(), 3, tiny.heads(), tiny.contextLength(), 0f), 1, manager)) {
            String shallower = refusal(WeightSnapshot.export(source, 1, TensorEncoding.FP32), deeper);
            assertTrue(shallower.contains("missing tensors 'transformer.h.2."), shallower);
        }
    }

    @Test
    void tensorsOutOfOrderAreRefused() {
        try (WeightSnapshot exported = WeightSnapshot.export(source, 1, TensorEncoding.FP32);
                HfCausalModel target = TestPolicies.tiny(manager, 2)) {
            List<NamedTensor> tensors = new ArrayList<>(exported.tensors());
            Collections.swap(tensors, 2, 3);
            WeightSnapshot reordered = WeightSnapshot.of(1, TensorEncoding.FP32, tensors);
            String message = refusal(reordered, target);
            assertTrue(message.contains("tensor #2 is 'transformer.h.0.ln_1.bias'"), message);
        }
    }

    @Test
    void bf16HalvesTheBytesAndStaysWithinItsRounding() {
        WeightSnapshot full = WeightSnapshot.export(source, 9, TensorEncoding.FP32);
        WeightSnapshot half = WeightSnapshot.export(source, 9, TensorEncoding.BF16);
        assertEquals(full.byteSize() / 2, half.byteSize());
        assertTrue(half.tensors().stream().allMatch(t -> t.dtype() == TensorDType.BF16));
        assertEquals(half, full.encodedAs(TensorEncoding.BF16), "export and re-encoding agree");

        try (HfCausalModel target = TestPolicies.tiny(manager, 2)) {
            half.importInto(target);
            List<NamedTensor> restored = WeightFixtures.parameters(target);
            double worst = 0;
            for (int t = 0; t < restored.size(); t++) {
                assertEquals(TensorDType.F32, restored.get(t).dtype(), "parameters stay float32");
                float[] original = full.tensors().get(t).toFloats();
                float[] widened = restored.get(t).toFloats();
                for (int i = 0; i < original.length; i++) {
                    double error = Math.abs(original[i] - widened[i]);
                    worst = Math.max(worst, original[i] == 0 ? error : error / Math.abs(original[i]));
                }
            }
            assertTrue(worst <= 0x1p-8, "worst relative error " + worst);
            assertTrue(worst > 0, "bf16 should lose something on random weights");
        }
    }

    @Test
    void versionsAndSizesAreRecorded() {
        WeightSnapshot snapshot = WeightSnapshot.export(source, 42, TensorEncoding.FP32);
        assertEquals(42, snapshot.version());
        assertEquals(TensorEncoding.FP32, snapshot.encoding());
        assertEquals(4 * TestPolicies.TINY.parameterCount(), snapshot.byteSize());
        assertEquals(new ArrayList<>(source.namedParameters().keySet()),
                snapshot.tensors().stream().map(NamedTensor::name).toList());
        assertNotEquals(snapshot.checksum(), WeightSnapshot.export(source, 43, TensorEncoding.FP32).checksum());
        assertThrows(IllegalArgumentException.class,
                () -> WeightSnapshot.of(1, TensorEncoding.BF16, snapshot.tensors()), "dtype must match the encoding");
    }

    private static WeightSnapshot withConfig(int vocab, int width, int layers, int context) {
        PolicyConfig config = new PolicyConfig(vocab, width, layers, 4, context, 0f);
        try (HfCausalModel other = TestPolicies.create(config, 5, manager)) {
            return WeightSnapshot.export(other, 1, TensorEncoding.FP32);
        }
    }

    private static String refusal(WeightSnapshot snapshot, HfCausalModel target) {
        return assertThrows(IllegalArgumentException.class, () -> snapshot.importInto(target)).getMessage();
    }

    /** One backward pass reaches the imported parameters: they are still leaves that record. */
    private static void assertGradientsFlow(HfCausalModel policy) {
        List<int[]> prompts = TestPolicies.prompts(3, 4);
        try (NDManager scope = manager.newSubManager(); Autograd.Scope recording = Autograd.recording()) {
            TokenBatch.Padded batch = TokenBatch.layout(scope, prompts, null, 4, 0, ByteTokenizer.PAD);
            NDArray loss = policy.forward(batch.tokens(), batch.mask(), null, true).square().sum();
            Autograd.backward(loss);
            NDArray gradient = Autograd.gradient(policy.namedParameters().get("transformer.h.0.mlp.c_fc.weight").getArray(), scope);
            assertTrue(gradient.abs().sum().getFloat() > 0, "gradient reaches an imported parameter");
        }
    }
}
