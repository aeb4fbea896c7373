package io.sppo4j.model.hf;

/**
 * float32 to IEEE 754 binary16 (F16), rounding to nearest, ties to even, as PyTorch's
 * {@code .to(torch.float16)} does. Every F16 widened to float32 comes back to the same bits, NaN
 * payloads included, so an unchanged F16 weight is saved exactly as it was loaded. (The reverse
 * direction is {@code NamedTensor.toFloats()}.)
 */
final class HalfFloat {

    /** Smallest float32 that rounds to infinity in F16: 65520 = max F16 (65504) + half an ulp. */
    private static final int OVERFLOW_BITS = 0x477F_F000;
    /** 2^-14, the smallest normal F16. */
    private static final int SMALLEST_NORMAL_BITS = 0x3880_0000;
    /** float32 exponent bias 127 minus F16 bias 15, in float32's exponent position. */
    private static final int REBIAS = 112 << 23;

    private HalfFloat() {}

    static short fromFloat(float value) {
        int bits = Float.floatToRawIntBits(value);
        int sign = (bits >>> 16) & 0x8000;
        int magnitude = bits & 0x7FFF_FFFF;
        if (magnitude > 0x7F80_0000) {
            int payload = (magnitude >>> 13) & 0x3FF;
            return (short) (sign | 0x7C00 | (payload == 0 ? 0x200 : payload)); // NaN stays NaN
        }
        if (magnitude >= OVERFLOW_BITS) {
            return (short) (sign | 0x7C00); // infinity
        }
        if (magnitude < SMALLEST_NORMAL_BITS) {
            // Subnormal: a multiple of 2^-24. Scaling by 2^24 is exact; rint rounds half to even.
            int units = (int) Math.rint(Float.intBitsToFloat(magnitude) * 0x1p24);
            return (short) (sign | units); // 1024 units carry into the smallest normal, as they should
        }
        int lowestKeptBit = (magnitude >>> 13) & 1;
        return (short) (sign | ((magnitude - REBIAS + 0xFFF + lowestKeptBit) >>> 13));
    }
}
