package io.sppo4j.model.weights;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.io.IOException;
import java.util.List;

/**
 * Tensors of random values made one at a time in native memory, so tests can stream models far
 * larger than their heap: F32 drawn by the engine, BF16 rounded from it.
 */
public final class RandomTensors {

    private RandomTensors() {}

    /** Normal values (mean 0, standard deviation {@code std}) for each spec, the same on every pass. */
    public static TensorSource normal(List<TensorSpec> specs, float std, long seed) {
        return TensorSource.streamed(specs, visitor -> {
            try (NDManager memory = Engine.getInstance().newBaseManager(Device.cpu())) {
                Engine.getInstance().setRandomSeed((int) seed);
                for (TensorSpec spec : specs) {
                    try (NDManager scope = memory.newSubManager()) {
                        NDArray f32 = scope.randomNormal(0f, std, new Shape(spec.shape()), DataType.FLOAT32);
                        NDArray bytes = switch (spec.dtype()) {
                            case F32 -> f32;
                            case BF16 -> NativeTensors.hostCopy(f32, TensorDType.BF16, scope);
                            default -> throw new IllegalArgumentException("random " + spec.dtype() + " is not supported");
                        };
                        visitor.visit(new NamedTensor(spec, NativeTensors.view(bytes)));
                    }
                }
            }
        });
    }

    /** CRC32C of a source's tensors (names, types, shapes and bytes), read in one streaming pass. */
    public static int checksum(TensorSource source) throws IOException {
        SnapshotChecksum checksum = new SnapshotChecksum(0, source.specs().size());
        source.forEach(tensor -> {
            checksum.tensor(tensor.spec());
            checksum.data(tensor.bytes());
        });
        return checksum.value();
    }
}
