package io.sppo4j.model.nd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.sppo4j.model.weights.BFloat16;

import org.junit.jupiter.api.Test;

/** bfloat16 through libtorch, which DJL 0.35 cannot name: rounding, zeros, and gradients through the casts. */
class CastsTest {

    @Test
    void roundsToNearestEvenAsTheHostEncodingDoes() {
        float[] values = {1f, 3.14159f, -2.71828f, 1e-3f, 65504f, 1.00390625f, 1.01171875f};
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray bf16 = Casts.to(manager.create(values), DataType.BFLOAT16);
            assertEquals(DataType.BFLOAT16, Casts.typeOf(bf16));
            float[] back = Casts.to(bf16, DataType.FLOAT32).toFloatArray();
            for (int i = 0; i < values.length; i++) {
                float expected = Float.intBitsToFloat((BFloat16.fromFloat(values[i]) & 0xFFFF) << 16);
                assertEquals(expected, back[i], "value " + values[i]);
            }
            NDArray zeros = Casts.zeros(manager, new Shape(2, 3), DataType.BFLOAT16);
            assertEquals(DataType.BFLOAT16, Casts.typeOf(zeros));
            assertArrayEquals(new float[6], Casts.to(zeros, DataType.FLOAT32).toFloatArray());
            NDArray float32 = manager.create(values);
            assertSame(float32, Casts.to(float32, DataType.FLOAT32), "no copy when the type is right");
        }
    }

    @Test
    void gradientsFlowThroughTheCastsIntoAFloat32Leaf() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray leaf = manager.create(new float[] {1f, 2.5f, 3.14159f});
            leaf.setRequiresGradient(true);
            try (NDManager step = manager.newSubManager()) {
                try (Autograd.Scope recording = Autograd.recording()) {
                    NDArray half = Casts.to(leaf, DataType.BFLOAT16, step);
                    NDArray loss = Casts.to(half.mul(half), DataType.FLOAT32).sum(); // Σ x², x rounded to bfloat16
                    Autograd.backward(loss);
                }
                float[] gradient = Autograd.gradient(leaf, step).toFloatArray();
                assertArrayEquals(new float[] {2f, 5f, 6.28125f}, gradient, "2x in bfloat16, widened");
            }
        }
    }
}
