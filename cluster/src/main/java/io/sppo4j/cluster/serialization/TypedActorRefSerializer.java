package io.sppo4j.cluster.serialization;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;

import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;

/**
 * A typed {@link ActorRef} as Pekko's own string form (path with the node's address and the
 * actor's uid), resolved on the receiving node, which yields a remote ref there and the very
 * actor when it comes home. Registered for the {@code ActorRef} interface: messages declare
 * their refs by that type, and the concrete classes behind it are Pekko's internals.
 */
final class TypedActorRefSerializer extends Serializer<ActorRef<?>> {

    private final Supplier<ActorRefResolver> resolver;

    TypedActorRefSerializer(Supplier<ActorRefResolver> resolver) {
        super(false, true); // null is handled by Kryo around it; refs are immutable
        this.resolver = resolver;
    }

    @Override
    public void write(Kryo kryo, Output output, ActorRef<?> ref) {
        Utf8StringSerializer.writeString(output, resolver.get().toSerializationFormat(ref));
    }

    @Override
    public ActorRef<?> read(Kryo kryo, Input input, Class<? extends ActorRef<?>> type) {
        String path = Utf8StringSerializer.readString(input, "actor ref");
        if (path == null) {
            throw new com.esotericsoftware.kryo.KryoException("actor ref without a path");
        }
        return resolver.get().resolveActorRef(path);
    }
}
