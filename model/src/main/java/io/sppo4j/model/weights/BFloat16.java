package io.sppo4j.model.weights;

/**
 * Conversions between float32 and bfloat16 bit patterns. bfloat16 is the upper half of a float32
 * (same sign and 8-bit exponent, 7 mantissa bits), so it keeps float32's range and needs no
 * special handling of overflow; only the rounding of the dropped half matters.
 */
public final class BFloat16 {

    private BFloat16() {}

    /**
     * The bfloat16 nearest to the float32 with bit pattern {@code floatBits}, ties to even (the
     * rounding PyTorch's {@code .to(torch.bfloat16)} uses). NaN stays NaN: truncating a NaN
     * whose payload lives only in the low half would otherwise yield infinity.
     */
    public static short fromFloatBits(int floatBits) {
        if ((floatBits & 0x7FFF_FFFF) > 0x7F80_0000) {
            return (short) ((floatBits >>> 16) | 0x0040); // keep sign and upper payload, force the quiet bit
        }
        int lowestKeptBit = (floatBits >>> 16) & 1;
        // Adding just under half an ulp (plus the kept lsb) carries into the upper half exactly
        // when the dropped half is above half, or exactly half with an odd upper half.
        return (short) ((floatBits + 0x7FFF + lowestKeptBit) >>> 16);
    }

    /** The bfloat16 nearest to {@code value}, ties to even. */
    public static short fromFloat(float value) {
        return fromFloatBits(Float.floatToRawIntBits(value));
    }

    /** The float32 bit pattern of a bfloat16: exact, as every bfloat16 is a float32. */
    public static int toFloatBits(short bfloat16) {
        return (bfloat16 & 0xFFFF) << 16;
    }

    /** The float32 value of a bfloat16. */
    public static float toFloat(short bfloat16) {
        return Float.intBitsToFloat(toFloatBits(bfloat16));
    }
}
