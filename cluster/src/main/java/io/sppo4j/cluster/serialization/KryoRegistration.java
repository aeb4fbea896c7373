package io.sppo4j.cluster.serialization;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;

import java.util.Objects;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRefResolver;

/**
 * One entry of the control plane's Kryo registration: a fixed id, the class it stands for on
 * the wire, the name of the format its serializer writes, and how to make that serializer.
 *
 * @param id the class id on the wire: fixed forever; a retired id is never given to another class
 * @param type the registered class
 * @param format names the serializer's byte layout; it enters the registration fingerprint, so
 *     two nodes that write the same class differently never talk
 * @param serializer makes the serializer for one Kryo instance
 */
public record KryoRegistration(int id, Class<?> type, String format, Factory serializer) {

    /** Makes a class's serializer for one Kryo instance. */
    @FunctionalInterface
    public interface Factory {
        /**
         * @param kryo the instance being set up
         * @param resolver the ActorSystem's resolver of typed ActorRefs, fetched on first use
         */
        Serializer<?> create(Kryo kryo, Supplier<ActorRefResolver> resolver);
    }

    public KryoRegistration {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(serializer, "serializer");
        if (id < 0) {
            throw new IllegalArgumentException("Kryo registration id " + id + " of " + type.getName() + " is negative");
        }
    }
}
