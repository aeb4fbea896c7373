package io.sppo4j.cluster.serialization;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;

import java.util.List;

/**
 * Lists of the control-plane records: the size, then each element with its class id. Messages
 * hold their lists as {@code List.copyOf(...)}, i.e. the JDK's {@code ImmutableCollections}
 * classes, whose internals Kryo's reflective serializers cannot (and should not) reach on
 * Java 17; this one uses the {@code List} API only and reads back with {@code List.of}, which is
 * what the records' constructors would have made anyway. Elements are never null in such lists.
 */
final class ImmutableListSerializer extends Serializer<List<?>> {

    ImmutableListSerializer() {
        super(false, true); // null is handled by Kryo around it; immutable, so never copied
    }

    @Override
    public void write(Kryo kryo, Output output, List<?> list) {
        output.writeVarInt(list.size(), true);
        for (Object element : list) {
            kryo.writeClassAndObject(output, element);
        }
    }

    @Override
    public List<?> read(Kryo kryo, Input input, Class<? extends List<?>> type) {
        // Every element takes at least its class id's byte.
        int size = WireLimits.checkLength(input, input.readVarInt(true), 1, "list");
        Object[] elements = new Object[size];
        for (int i = 0; i < size; i++) {
            elements[i] = kryo.readClassAndObject(input);
        }
        return List.of(elements); // refuses null elements, as List.copyOf in the records would
    }
}
