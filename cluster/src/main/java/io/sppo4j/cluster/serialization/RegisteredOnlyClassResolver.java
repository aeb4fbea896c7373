package io.sppo4j.cluster.serialization;

import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.Registration;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.util.DefaultClassResolver;

/**
 * Kryo's class resolver without its one way around registration: bytes may name a class by its
 * name instead of an id, and Kryo would load that class (though not instantiate it) before
 * noticing it is unregistered. The control plane accepts registered ids only, so a class name
 * on the wire is refused before any class is looked up.
 */
final class RegisteredOnlyClassResolver extends DefaultClassResolver {

    @Override
    protected Registration readName(Input input) {
        throw new KryoException("a class given by name on the control plane; only registered class ids are accepted");
    }
}
