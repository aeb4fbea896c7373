package io.sppo4j.cluster.serialization;

import io.sppo4j.actors.SppoMessage;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.util.Pool;

import java.io.NotSerializableException;
import java.util.function.Supplier;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.serialization.SerializerWithStringManifest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control plane on the wire: every {@link SppoMessage} that is not data plane (credits,
 * status, weight-cache handshakes, monitor curves) as Kryo 5 bytes with registration required
 * ({@link ControlPlaneRegistry}). These messages are small, many and JVM-to-JVM only, so the
 * compact format wins over a cross-language schema.
 *
 * <p>The manifest is the registration fingerprint's prefix: a receiver whose registration
 * differs refuses the bytes instead of misreading them, even if the join check was bypassed.
 *
 * <p>A class missing from the registration is refused on both sides with a logged error naming
 * it (and counted in {@link WireRefusals}); an unknown class id or a class name in the bytes is
 * refused before anything is instantiated. Kryo instances are not thread-safe, so each call
 * borrows one from a pool.
 */
public final class ControlPlaneSerializer extends SerializerWithStringManifest {

    /** Serializer id {@code sppo-control}; unique in the system, never reused for another format. */
    public static final int IDENTIFIER = 740_002;

    /** The manifest of every control-plane message written by this build. */
    public static final String MANIFEST = "k" + ControlPlaneRegistry.registrationFingerprint().substring(0, 8);

    private static final Logger LOG = LoggerFactory.getLogger(ControlPlaneSerializer.class);
    private static final String UNREGISTERED = "Class is not registered: ";
    private static final String UNREGISTERED_ID = "Encountered unregistered class ID";

    private final Pool<Kryo> kryos;
    private final LazyRefResolver resolver;

    public ControlPlaneSerializer(ExtendedActorSystem system) {
        this.resolver = new LazyRefResolver(system);
        Supplier<ActorRefResolver> refs = resolver;
        // Thread-safe, strong references, at most as many idle instances as a busy node has threads.
        this.kryos = new Pool<>(true, false, 64) {
            @Override
            protected Kryo create() {
                return ControlPlaneRegistry.newKryo(refs);
            }
        };
    }

    @Override
    public int identifier() {
        return IDENTIFIER;
    }

    @Override
    public String manifest(Object message) {
        return MANIFEST;
    }

    @Override
    public byte[] toBinary(Object message) {
        if (!(message instanceof SppoMessage)) {
            throw new IllegalArgumentException("sppo-control serializes SppoMessages only, not "
                    + (message == null ? "null" : message.getClass().getName()));
        }
        return write(message);
    }

    @Override
    public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
        if (!MANIFEST.equals(manifest)) {
            WireRefusals.count(WireRefusals.Reason.UNKNOWN_MANIFEST);
            LOG.error("sppo-control: refusing a message written with registration '{}' (this node: '{}'); nodes of"
                    + " different sppo4j builds must not share a cluster", manifest, MANIFEST);
            throw new NotSerializableException("sppo-control: message from a node with another control-plane"
                    + " registration (manifest '" + manifest + "', this node '" + MANIFEST + "')");
        }
        Object message = read(bytes);
        if (!(message instanceof SppoMessage)) {
            WireRefusals.count(WireRefusals.Reason.MALFORMED);
            throw new IllegalArgumentException("sppo-control: the bytes hold "
                    + (message == null ? "null" : "a " + message.getClass().getName()) + ", not a message");
        }
        return message;
    }

    /** Any registered object (a message, or a value inside one) to bytes. */
    byte[] write(Object value) {
        Kryo kryo = kryos.obtain();
        boolean healthy = false;
        try {
            Output output = new Output(256, -1);
            kryo.writeClassAndObject(output, value);
            healthy = true;
            return output.toBytes();
        } catch (RuntimeException e) {
            String unregistered = unregisteredClass(e);
            if (unregistered == null) {
                throw e;
            }
            WireRefusals.count(WireRefusals.Reason.UNREGISTERED_CLASS);
            String text = "sppo-control refuses to serialize " + value.getClass().getName() + ": class "
                    + unregistered + " is not in ControlPlaneRegistry (add it there, with a new id)";
            LOG.error(text);
            throw new IllegalArgumentException(text, e);
        } finally {
            release(kryo, healthy);
        }
    }

    /** Bytes written by {@link #write} back to the object. */
    Object read(byte[] bytes) {
        Kryo kryo = kryos.obtain();
        boolean healthy = false;
        try {
            Input input = new Input(bytes);
            Object value = kryo.readClassAndObject(input);
            if (input.position() != bytes.length) {
                throw new KryoException((bytes.length - input.position()) + " bytes left over after the message");
            }
            healthy = true;
            return value;
        } catch (RuntimeException e) {
            boolean unknownId = mentions(e, UNREGISTERED_ID);
            WireRefusals.count(unknownId ? WireRefusals.Reason.UNREGISTERED_CLASS : WireRefusals.Reason.MALFORMED);
            String text = "sppo-control refuses " + bytes.length + " bytes: " + rootMessage(e)
                    + (unknownId ? " (a class this node has not registered; nothing was instantiated)" : "");
            LOG.error(text);
            throw new IllegalArgumentException(text, e);
        } finally {
            release(kryo, healthy);
        }
    }

    private void release(Kryo kryo, boolean healthy) {
        // An instance interrupted mid-message may hold half a graph's state: drop it, make another.
        if (healthy) {
            kryos.free(kryo);
        }
    }

    /** The class Kryo found unregistered somewhere in {@code error}'s causes, or null. */
    private static String unregisteredClass(Throwable error) {
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            String message = cause.getMessage();
            int at = message == null ? -1 : message.indexOf(UNREGISTERED);
            if (at >= 0) {
                String rest = message.substring(at + UNREGISTERED.length());
                int end = rest.indexOf('\n');
                return (end >= 0 ? rest.substring(0, end) : rest).strip();
            }
        }
        return null;
    }

    private static boolean mentions(Throwable error, String text) {
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (cause.getMessage() != null && cause.getMessage().contains(text)) {
                return true;
            }
        }
        return false;
    }

    private static String rootMessage(Throwable error) {
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage() == null ? root.getClass().getName() : root.getMessage();
        return message.lines().findFirst().orElse(message);
    }
}
