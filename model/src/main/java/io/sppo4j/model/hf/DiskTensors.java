package io.sppo4j.model.hf;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.sppo4j.model.weights.NamedTensor;
import io.sppo4j.model.weights.NativeTensors;
import io.sppo4j.model.weights.TensorDType;
import io.sppo4j.model.weights.TensorSource;

import java.io.IOException;

/**
 * Tensors between their on-disk dtype (F32, BF16, F16) and the float32 parameters computed with,
 * converted by the engine one tensor at a time in native memory (a mapped file's bytes go
 * straight to the engine). Widening is exact; narrowing rounds to nearest even, so a weight that
 * was not changed is saved with the bits it was loaded with.
 */
final class DiskTensors {

    private DiskTensors() {}

    /** A float32 copy of {@code tensor} on {@code owner}'s device, owned by {@code owner}. */
    static NDArray toFloat32(NamedTensor tensor, NDManager owner) {
        if (tensor.dtype() == TensorDType.I64) {
            throw new IllegalArgumentException(
                    "tensor '" + tensor.name() + "' is I64; model parameters must be F32, BF16 or F16");
        }
        return NativeTensors.toFloat32(tensor, owner);
    }

    /**
     * Visits {@code array} (float32, any device) as a host tensor of {@code dtype}, valid during
     * the visit only. The caller pauses autograd.
     */
    static void visitAs(String name, NDArray array, TensorDType dtype, TensorSource.Visitor visitor) throws IOException {
        if (dtype == TensorDType.I64) {
            throw new IllegalArgumentException("tensor '" + name + "': cannot save a parameter as I64");
        }
        NativeTensors.visitOnHost(name, array, dtype, visitor);
    }
}
