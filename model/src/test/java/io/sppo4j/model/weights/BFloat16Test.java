package io.sppo4j.model.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BFloat16Test {

    @Test
    void valuesWithEightSignificantBitsSurviveExactly() {
        for (float value : new float[] {0f, -0f, 1f, -2.5f, 0.15625f, 3.0e38f, Float.MIN_NORMAL,
                Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
            float truncated = Float.intBitsToFloat(Float.floatToRawIntBits(value) & 0xFFFF_0000);
            assertEquals(Float.floatToRawIntBits(truncated),
                    BFloat16.toFloatBits(BFloat16.fromFloat(truncated)), "value " + truncated);
        }
    }

    @Test
    void tiesRoundToEven() {
        float ulp = 0x1p-7f; // spacing of bfloat16 values in [1, 2)
        assertEquals(1f, roundTrip(1f + ulp / 2), "1 + ulp/2 lies between 1 (even) and 1 + ulp (odd)");
        assertEquals(1f + 2 * ulp, roundTrip(1f + 1.5f * ulp), "1 + 1.5 ulp lies between odd 1 + ulp and even 1 + 2 ulp");
        assertEquals(1f + ulp, roundTrip(1f + ulp / 2 + 0x1p-20f), "just above the tie rounds up");
        assertEquals(1f, roundTrip(1f + ulp / 2 - 0x1p-20f), "just below the tie rounds down");
    }

    @Test
    void nanStaysNanAndOverflowBecomesInfinity() {
        float lowPayloadNan = Float.intBitsToFloat(0x7F80_0001); // truncation alone would give +inf
        assertTrue(Float.isNaN(roundTrip(lowPayloadNan)));
        assertTrue(Float.isNaN(roundTrip(Float.intBitsToFloat(0xFF80_0001))));
        assertEquals(0xFFC0_0000, BFloat16.toFloatBits(BFloat16.fromFloat(Float.intBitsToFloat(0xFFC0_0000))));
        assertEquals(Float.POSITIVE_INFINITY, roundTrip(Float.MAX_VALUE));
        assertEquals(Float.NEGATIVE_INFINITY, roundTrip(-Float.MAX_VALUE));
    }

    @Test
    void randomFloatsRoundToTheNearestBfloat16() {
        SplittableRandom random = new SplittableRandom(5);
        for (int i = 0; i < 50_000; i++) {
            int bits = random.nextInt();
            float value = Float.intBitsToFloat(bits);
            if (!Float.isFinite(value) || Math.abs(value) >= 0x1.fep127f) {
                continue; // the neighbour above would be infinity, checked separately
            }
            int down = bits & 0xFFFF_0000;
            int up = down + 0x1_0000;
            int rounded = BFloat16.toFloatBits(BFloat16.fromFloatBits(bits));
            BigDecimal exact = new BigDecimal(value);
            BigDecimal toDown = exact.subtract(new BigDecimal(Float.intBitsToFloat(down))).abs();
            BigDecimal toUp = exact.subtract(new BigDecimal(Float.intBitsToFloat(up))).abs();
            int comparison = toDown.compareTo(toUp);
            int expected = comparison < 0 ? down : comparison > 0 ? up : ((down & 0x1_0000) == 0 ? down : up);
            assertEquals(expected, rounded, () -> "bits " + Integer.toHexString(bits));
        }
    }

    private static float roundTrip(float value) {
        return BFloat16.toFloat(BFloat16.fromFloat(value));
    }
}
