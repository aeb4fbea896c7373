package io.sppo4j.model.weights;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * How a {@link WeightSnapshot} carries float32 parameters. {@link #FP32} is bit-exact and the
 * only encoding checkpoints use; {@link #BF16} halves the bytes a broadcast moves at the cost of
 * rounding every weight to 8 significant bits (relative error at most 2^-8), which sampling
 * tolerates far better than training does. Either way the receiver's parameters stay float32.
 */
public enum TensorEncoding {
    FP32(TensorDType.F32),
    BF16(TensorDType.BF16);

    private final TensorDType dtype;

    TensorEncoding(TensorDType dtype) {
        this.dtype = dtype;
    }

    /** Element type of every tensor in a snapshot of this encoding. */
    public TensorDType dtype() {
        return dtype;
    }

    /**
     * {@code tensor} in this encoding: F32 is rounded to BF16 (ties to even), BF16 widened to
     * F32 exactly, and a tensor already in this encoding is returned as it is.
     */
    public NamedTensor encode(NamedTensor tensor) {
        if (tensor.dtype() == dtype) {
            return tensor;
        }
        if (tensor.dtype() == TensorDType.F32 && this == BF16) {
            return new NamedTensor(tensor.name(), TensorDType.BF16, tensor.shape(), narrow(tensor.data()));
        }
        if (tensor.dtype() == TensorDType.BF16 && this == FP32) {
            return new NamedTensor(tensor.name(), TensorDType.F32, tensor.shape(), widen(tensor.data()));
        }
        throw new IllegalArgumentException(
                "tensor " + tensor.name() + ": cannot encode " + tensor.dtype() + " as " + this
                        + " (weight snapshots carry F32 or BF16 only)");
    }

    // Both conversions work on bit patterns, never on float values, so NaN payloads and signed
    // zeros survive and no float arithmetic can perturb the result.

    private static byte[] narrow(byte[] f32) {
        ByteBuffer source = ByteBuffer.wrap(f32).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer target = ByteBuffer.allocate(f32.length / 2).order(ByteOrder.LITTLE_ENDIAN);
        while (source.hasRemaining()) {
            target.putShort(BFloat16.fromFloatBits(source.getInt()));
        }
        return target.array();
    }

    private static byte[] widen(byte[] bf16) {
        ByteBuffer source = ByteBuffer.wrap(bf16).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer target = ByteBuffer.allocate(bf16.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        while (source.hasRemaining()) {
            target.putInt(BFloat16.toFloatBits(source.getShort()));
        }
        return target.array();
    }
}
