package io.sppo4j.model.weights;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.IntBuffer;
import java.nio.ShortBuffer;

/**
 * Conversions between float32 and bfloat16 bit patterns. bfloat16 is the upper half of a float32
 * (same sign and 8-bit exponent, 7 mantissa bits), so it keeps float32's range and needs no
 * special handling of overflow; only the rounding of the dropped half matters.
 *
 * <p>Conversions run here, not in the engine: DJL 0.35's PyTorch binding aborts the process on
 * any bfloat16 array (creating one, or converting to or from one).
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

    /**
     * Rounds every float32 of {@code f32} into {@code bf16} (both little-endian, from position 0,
     * sized alike), in place: native buffers are converted without a copy on the Java heap.
     */
    public static void narrow(ByteBuffer f32, ByteBuffer bf16) {
        IntBuffer source = f32.duplicate().rewind().order(ByteOrder.LITTLE_ENDIAN).asIntBuffer();
        ShortBuffer target = bf16.duplicate().rewind().order(ByteOrder.LITTLE_ENDIAN).asShortBuffer();
        checkSizes(source.remaining(), target.remaining());
        for (int i = 0, n = source.remaining(); i < n; i++) {
            target.put(i, fromFloatBits(source.get(i)));
        }
    }

    /** Widens every bfloat16 of {@code bf16} into {@code f32}, exactly; the layout of {@link #narrow}. */
    public static void widen(ByteBuffer bf16, ByteBuffer f32) {
        ShortBuffer source = bf16.duplicate().rewind().order(ByteOrder.LITTLE_ENDIAN).asShortBuffer();
        IntBuffer target = f32.duplicate().rewind().order(ByteOrder.LITTLE_ENDIAN).asIntBuffer();
        checkSizes(target.remaining(), source.remaining());
        for (int i = 0, n = source.remaining(); i < n; i++) {
            target.put(i, toFloatBits(source.get(i)));
        }
    }

    private static void checkSizes(int floats, int bfloats) {
        if (floats != bfloats) {
            throw new IllegalArgumentException(floats + " float32 values against " + bfloats + " bfloat16 ones");
        }
    }
}
