package io.sppo4j.model.weights;

import java.util.Locale;

/** Element types of tensors at rest and on the wire, named as safetensors names them. */
public enum TensorDType {
    F32(4),
    BF16(2),
    F16(2),
    I64(8);

    private final int bytes;

    TensorDType(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }

    /** The safetensors header name ({@code F32}, {@code BF16}, ...). */
    public String safetensorsName() {
        return name();
    }

    /** Parses a safetensors dtype name; {@code where} is named in the error. */
    public static TensorDType fromSafetensorsName(String name, String where) {
        try {
            return valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": unsupported dtype '" + name + "'", e);
        }
    }
}
