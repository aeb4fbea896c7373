package io.sppo4j.model.hf;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sppo4j.model.weights.NamedTensor;
import io.sppo4j.model.weights.TensorDType;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class HalfFloatTest {

    @Test
    void everyHalfWidenedAndNarrowedAgainKeepsItsBits() {
        ByteBuffer all = ByteBuffer.allocate(2 * 65536).order(ByteOrder.LITTLE_ENDIAN);
        for (int bits = 0; bits < 65536; bits++) {
            all.putShort((short) bits);
        }
        float[] widened = new NamedTensor("all", TensorDType.F16, new long[] {65536}, all.array()).toFloats();
        for (int bits = 0; bits < 65536; bits++) {
            int narrowed = HalfFloat.fromFloat(widened[bits]) & 0xFFFF;
            if (narrowed != bits) {
                throw new AssertionError("half " + Integer.toHexString(bits) + " came back as " + Integer.toHexString(narrowed));
            }
        }
    }

    @Test
    void narrowingRoundsToNearestTiesToEven() {
        assertEquals(0x3C00, HalfFloat.fromFloat(1f + 0x1p-11f) & 0xFFFF); // tie between 1 and 1+2^-10: even is 1
        assertEquals(0x3C02, HalfFloat.fromFloat(1f + 3 * 0x1p-11f) & 0xFFFF); // tie: even is 1+2^-9
        assertEquals(0x3C01, HalfFloat.fromFloat(1f + 0x1p-11f + 0x1p-20f) & 0xFFFF); // above the tie
        assertEquals(0x7BFF, HalfFloat.fromFloat(65519f) & 0xFFFF); // largest finite
        assertEquals(0x7C00, HalfFloat.fromFloat(65520f) & 0xFFFF); // rounds to infinity
        assertEquals(0x0001, HalfFloat.fromFloat(0x1p-24f) & 0xFFFF); // smallest subnormal
        assertEquals(0x0000, HalfFloat.fromFloat(0x1p-25f) & 0xFFFF); // tie with zero: even is zero
        assertEquals(0x0400, HalfFloat.fromFloat(0x1p-14f - 0x1p-26f) & 0xFFFF); // subnormal carrying into the normals
        assertEquals(0x8000, HalfFloat.fromFloat(-0f) & 0xFFFF);
    }
}
