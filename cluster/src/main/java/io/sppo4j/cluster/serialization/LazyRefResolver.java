package io.sppo4j.cluster.serialization;

import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.javadsl.Adapter;

import java.util.function.Supplier;

/**
 * The ActorSystem's resolver of typed ActorRefs, looked up on first use: serializers are built
 * while the system starts, before its typed extensions can be asked for.
 */
final class LazyRefResolver implements Supplier<ActorRefResolver> {

    private final ExtendedActorSystem system;
    private volatile ActorRefResolver resolver;

    LazyRefResolver(ExtendedActorSystem system) {
        this.system = system;
    }

    @Override
    public ActorRefResolver get() {
        ActorRefResolver current = resolver;
        if (current == null) {
            current = ActorRefResolver.get(Adapter.toTyped(system));
            resolver = current;
        }
        return current;
    }
}
