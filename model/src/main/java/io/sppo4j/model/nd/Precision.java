package io.sppo4j.model.nd;

import ai.djl.ndarray.types.DataType;

import java.util.Locale;

/**
 * The types a model keeps its parameters in and computes in.
 *
 * <p>Decoding reads every weight once per token, so its speed is bytes over memory bandwidth:
 * bfloat16 weights halve it ({@link #BF16}, for rollout, judge and evaluator copies). The
 * learner keeps float32 master weights and optimiser state and computes in bfloat16
 * ({@link #MIXED_BF16}): each weight is cast for the forward pass and its gradient arrives in
 * float32. Norms, rotary angles, the logits' log-softmax and the losses stay in float32
 * whatever the mode.
 */
public enum Precision {
    FP32(DataType.FLOAT32, DataType.FLOAT32),
    BF16(DataType.BFLOAT16, DataType.BFLOAT16),
    MIXED_BF16(DataType.FLOAT32, DataType.BFLOAT16);

    private final DataType storage;
    private final DataType compute;

    Precision(DataType storage, DataType compute) {
        this.storage = storage;
        this.compute = compute;
    }

    /** Type of the parameters. */
    public DataType storage() {
        return storage;
    }

    /** Type of activations, KV caches and matrix products. */
    public DataType compute() {
        return compute;
    }

    /** The precision of a frozen copy of a model trained in this one (a reference scored without gradients). */
    public Precision inference() {
        return this == MIXED_BF16 ? BF16 : this;
    }

    /**
     * A {@code dtype} setting: {@code fp32}, or {@code bf16}, which means {@link #MIXED_BF16}
     * for a model that trains and {@link #BF16} for one that only infers.
     *
     * @param key named in the error
     */
    public static Precision parse(String value, boolean trains, String key) {
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "fp32" -> FP32;
            case "bf16" -> trains ? MIXED_BF16 : BF16;
            default -> throw new IllegalArgumentException(key + ": expected fp32 or bf16, got '" + value + "'");
        };
    }
}
