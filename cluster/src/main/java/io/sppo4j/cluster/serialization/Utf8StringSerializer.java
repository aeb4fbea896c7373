package io.sppo4j.cluster.serialization;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;

import java.nio.charset.StandardCharsets;

/**
 * Strings on the control plane: a length (0 for null, else UTF-8 bytes + 1) and the UTF-8 bytes.
 * Replaces Kryo's own string format so that a claimed length is checked against the bytes left
 * ({@link WireLimits}) before anything is allocated. Like protobuf strings on the data plane, a
 * lone UTF-16 surrogate (never produced by decoding text) becomes '?'.
 */
final class Utf8StringSerializer extends Serializer<String> {

    Utf8StringSerializer() {
        super(true, true); // accepts null; immutable, so never copied
    }

    @Override
    public void write(Kryo kryo, Output output, String value) {
        writeString(output, value);
    }

    @Override
    public String read(Kryo kryo, Input input, Class<? extends String> type) {
        return readString(input, "string");
    }

    static void writeString(Output output, String value) {
        if (value == null) {
            output.writeVarInt(0, true);
            return;
        }
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        output.writeVarInt(bytes.length + 1, true);
        output.writeBytes(bytes);
    }

    static String readString(Input input, String what) {
        int lengthPlusOne = input.readVarInt(true);
        if (lengthPlusOne == 0) {
            return null;
        }
        int length = WireLimits.checkLength(input, lengthPlusOne - 1, 1, what);
        return new String(input.readBytes(length), StandardCharsets.UTF_8);
    }
}
