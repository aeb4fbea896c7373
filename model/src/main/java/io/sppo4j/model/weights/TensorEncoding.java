package io.sppo4j.model.weights;

/**
 * How a {@link WeightSnapshot} carries float32 parameters. {@link #FP32} is bit-exact and the
 * only encoding checkpoints use; {@link #BF16} halves the bytes a broadcast moves at the cost of
 * rounding every weight to 8 significant bits (relative error at most 2^-8), which sampling
 * tolerates far better than training does. Either way the receiver's parameters stay float32.
 *
 * <p>The engine converts (PyTorch's {@code .to(torch.bfloat16)}: round to nearest, ties to even,
 * as {@link BFloat16#fromFloatBits} does; a NaN arrives as the canonical quiet NaN). Widening
 * back is exact.
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
}
