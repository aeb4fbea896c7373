package io.sppo4j.cluster.serialization;

import io.sppo4j.actors.Learner;
import io.sppo4j.actors.Monitor;
import io.sppo4j.actors.Pipeline;
import io.sppo4j.actors.RolloutWorker;
import io.sppo4j.actors.WeightCache;
import io.sppo4j.actors.data.Credit;
import io.sppo4j.actors.monitor.EvalRecord;
import io.sppo4j.actors.monitor.StepRecord;
import io.sppo4j.model.weights.TensorDType;
import io.sppo4j.model.weights.TensorEncoding;
import io.sppo4j.model.weights.WeightSnapshot;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.serializers.DefaultSerializers;
import com.esotericsoftware.kryo.serializers.RecordSerializer;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;

/**
 * The control plane's Kryo registration: every class that may appear in a control-plane message,
 * with its id on the wire, in one ordered list. Kryo runs with registration required, so a class
 * missing here is refused on both sides, never instantiated.
 *
 * <p>Rules for changing the list: append new classes with new ids; never reuse an id or give a
 * class another; a node with any difference (ids, classes, a record's components, an enum's
 * constants, a serializer's format) has a different {@link #registrationFingerprint()} and is
 * refused at join, because Kryo's bytes carry no field names to reconcile them.
 *
 * <p>Records go through Kryo's {@link RecordSerializer}, which reads components in name order and
 * calls the canonical constructor, so the records' own validation runs on every message read.
 * It is told that field types are fixed: each component is written by the serializer registered
 * for its declared type ({@code List}, {@code ActorRef}, a record, an array), never by the
 * runtime class, so Pekko's and the JDK's internal classes never need registering.
 *
 * <p>Kryo itself registers {@code int, String, float, boolean, byte, char, short, long, double}
 * (with their boxes) at ids 0–8; {@code String} is re-registered at id 1 with a bounded reader.
 */
public final class ControlPlaneRegistry {

    /** Kryo's own registrations at ids 0–8 (String is replaced below), part of the fingerprint. */
    private static final String KRYO_BUILTINS = "kryo5 0:int 2:float 3:boolean 4:byte 5:char 6:short 7:long 8:double";

    /** The registration, in id order. */
    public static final List<KryoRegistration> REGISTRATIONS = List.of(
            // -- values inside messages --
            new KryoRegistration(1, String.class, "utf8", (kryo, refs) -> new Utf8StringSerializer()),
            new KryoRegistration(10, ActorRef.class, "actor-ref-string", (kryo, refs) -> new TypedActorRefSerializer(refs)),
            new KryoRegistration(11, List.class, "list", (kryo, refs) -> new ImmutableListSerializer()),
            // What List.copyOf and List.of return, when a list is written with its class (an element of an element).
            new KryoRegistration(12, jdkClass("java.util.ImmutableCollections$List12"), "list",
                    (kryo, refs) -> new ImmutableListSerializer()),
            new KryoRegistration(13, jdkClass("java.util.ImmutableCollections$ListN"), "list",
                    (kryo, refs) -> new ImmutableListSerializer()),
            new KryoRegistration(20, byte[].class, "bytes", (kryo, refs) -> new BoundedArraySerializers.Bytes()),
            new KryoRegistration(21, int[].class, "varints", (kryo, refs) -> new BoundedArraySerializers.Ints()),
            new KryoRegistration(22, long[].class, "varlongs", (kryo, refs) -> new BoundedArraySerializers.Longs()),
            new KryoRegistration(23, float[].class, "f32-bits", (kryo, refs) -> new BoundedArraySerializers.Floats()),
            new KryoRegistration(24, double[].class, "f64-bits", (kryo, refs) -> new BoundedArraySerializers.Doubles()),
            new KryoRegistration(25, double[][].class, "f64-rows", (kryo, refs) -> new BoundedArraySerializers.DoubleMatrix()),
            new KryoRegistration(30, TensorEncoding.class, "enum-ordinal", (kryo, refs) -> enumSerializer(TensorEncoding.class)),
            new KryoRegistration(31, TensorDType.class, "enum-ordinal", (kryo, refs) -> enumSerializer(TensorDType.class)),
            new KryoRegistration(32, WeightSnapshot.class, "weight-snapshot", (kryo, refs) -> new WeightSnapshotSerializer()),
            record(40, Credit.class),
            record(41, StepRecord.class),
            record(42, EvalRecord.class),
            // -- messages, by protocol --
            record(100, RolloutWorker.Credits.class),
            record(110, Learner.RequestCredits.class),
            record(111, Learner.GroupFailed.class),
            record(112, Learner.ReturnCredits.class),
            record(113, Learner.GetStatus.class),
            record(114, Learner.Status.class),
            record(115, Learner.Judging.class),
            record(120, WeightCache.Publish.class),
            record(121, WeightCache.Subscribe.class),
            record(122, WeightCache.GetLatestVersion.class),
            record(123, WeightCache.LatestVersion.class),
            record(125, WeightCache.Have.class),
            record(126, WeightCache.Received.class),
            record(127, WeightCache.Update.class),
            record(128, WeightCache.GetStatus.class),
            record(129, WeightCache.Status.class),
            record(140, Monitor.Stepped.class),
            record(141, Monitor.Evaluated.class),
            record(142, Monitor.LearnerFinished.class),
            record(143, Monitor.LearnerTotals.class),
            record(144, Monitor.LearnerFailed.class),
            record(145, Monitor.PolicyDistribution.class),
            record(146, Monitor.GetReport.class),
            record(147, Monitor.Report.class),
            record(160, Pipeline.GetReport.class));

    private static final String FINGERPRINT = fingerprint(REGISTRATIONS);

    private ControlPlaneRegistry() {}

    /**
     * SHA-256 (first 16 hex digits) of the registration: Kryo's built-ins, then per entry its id,
     * format, class name and shape (a record's components, an enum's constants). Two nodes can
     * exchange control-plane messages exactly when their fingerprints are equal.
     */
    public static String registrationFingerprint() {
        return FINGERPRINT;
    }

    /** The fingerprint of any registration list (what {@link #registrationFingerprint()} computes for the real one). */
    public static String fingerprint(List<KryoRegistration> registrations) {
        StringBuilder text = new StringBuilder(KRYO_BUILTINS).append('\n');
        for (KryoRegistration registration : registrations) {
            text.append(registration.id()).append(' ')
                    .append(registration.format()).append(' ')
                    .append(registration.type().getName())
                    .append(shape(registration.type()))
                    .append('\n');
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    /** A Kryo instance with the registration (not thread-safe: one per thread at a time). */
    static Kryo newKryo(Supplier<ActorRefResolver> resolver) {
        return newKryo(REGISTRATIONS, resolver);
    }

    static Kryo newKryo(List<KryoRegistration> registrations, Supplier<ActorRefResolver> resolver) {
        checkUnique(registrations);
        // No reference resolver: messages are trees, and back-references would only add bytes.
        Kryo kryo = new Kryo(new RegisteredOnlyClassResolver(), null);
        kryo.setRegistrationRequired(true);
        kryo.setReferences(false);
        for (KryoRegistration registration : registrations) {
            kryo.register(registration.type(), registration.serializer().create(kryo, resolver), registration.id());
        }
        return kryo;
    }

    private static KryoRegistration record(int id, Class<? extends Record> type) {
        return new KryoRegistration(id, type, "record-fixed-types", (kryo, refs) -> {
            RecordSerializer<?> serializer = new RecordSerializer<>(type);
            serializer.setFixedFieldTypes(true);
            return serializer;
        });
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static DefaultSerializers.EnumSerializer enumSerializer(Class<? extends Enum<?>> type) {
        return new DefaultSerializers.EnumSerializer((Class) type);
    }

    private static Class<?> jdkClass(String name) {
        try {
            return Class.forName(name);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(name + " is missing from this JDK; the control-plane registration needs it", e);
        }
    }

    /** What a class's bytes depend on besides its name: a record's components, an enum's constants. */
    private static String shape(Class<?> type) {
        if (type.isRecord()) {
            return Arrays.stream(type.getRecordComponents())
                    .map(component -> component.getName() + ":" + component.getType().getName())
                    .collect(Collectors.joining(",", "(", ")"));
        }
        if (type.isEnum()) {
            return Arrays.stream(type.getEnumConstants())
                    .map(constant -> ((Enum<?>) constant).name())
                    .collect(Collectors.joining(",", "{", "}"));
        }
        return "";
    }

    private static void checkUnique(List<KryoRegistration> registrations) {
        Set<Integer> ids = new HashSet<>();
        Set<Class<?>> types = new HashSet<>();
        for (KryoRegistration registration : registrations) {
            if (!ids.add(registration.id())) {
                throw new IllegalStateException("Kryo registration id " + registration.id() + " is used twice");
            }
            if (!types.add(registration.type())) {
                throw new IllegalStateException(registration.type().getName() + " is registered twice");
            }
            if (registration.id() <= 8 && registration.type() != String.class) {
                throw new IllegalStateException("Kryo registration id " + registration.id() + " of "
                        + registration.type().getName() + " collides with Kryo's built-in registrations");
            }
        }
    }
}
