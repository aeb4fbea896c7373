package io.sppo4j.cluster.serialization;

import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.io.Input;

/**
 * Bounds on the lengths a control-plane message claims. Kryo allocates an array of the claimed
 * length before reading it, so a garbled (or hostile) length of two billion would exhaust the
 * heap before the read ran out of bytes; a length is believed only when the bytes left could
 * hold that many elements.
 *
 * <p>Control-plane inputs are always whole messages in memory, so what is left in the
 * {@link Input}'s buffer is what is left of the message.
 */
final class WireLimits {

    private WireLimits() {}

    /**
     * @param length the element count read from the wire
     * @param minBytesEach the fewest bytes one element takes on the wire
     * @param what names the value in the error
     * @return {@code length}, when plausible
     * @throws KryoException if it is negative or more than the remaining bytes could hold
     */
    static int checkLength(Input input, int length, int minBytesEach, String what) {
        long remaining = (long) input.limit() - input.position();
        if (length < 0 || (long) length * minBytesEach > remaining) {
            throw new KryoException(what + " claims " + Integer.toUnsignedString(length) + " elements but only "
                    + remaining + " bytes of the message remain");
        }
        return length;
    }
}
