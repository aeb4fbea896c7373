package io.sppo4j.cluster.serialization;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sppo4j.actors.Evaluator;
import io.sppo4j.actors.JudgeWorker;
import io.sppo4j.actors.Learner;
import io.sppo4j.actors.LocalOnly;
import io.sppo4j.actors.Monitor;
import io.sppo4j.actors.Pipeline;
import io.sppo4j.actors.RolloutWorker;
import io.sppo4j.actors.SppoMessage;
import io.sppo4j.actors.WeightCache;
import io.sppo4j.model.weights.CorruptSnapshotException;
import io.sppo4j.model.weights.NamedTensor;
import io.sppo4j.model.weights.TensorDType;
import io.sppo4j.model.weights.TensorEncoding;
import io.sppo4j.model.weights.WeightSnapshot;

import com.esotericsoftware.kryo.io.Output;

import java.io.NotSerializableException;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/** The control plane through Pekko's serialization of a real ActorSystem, and Kryo's refusals. */
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ControlPlaneSerializerTest {

    /** Implements SppoMessage but is in no registration: must be refused, never written. */
    record Stranger(String note) implements SppoMessage {}

    @JUnit5TestKit
    final ActorTestKit testKit = new JUnit5TestKitBuilder().withCustomConfig(WireFixtures.systemConfig()).build();

    private Serialization serialization;
    private ControlPlaneSerializer serializer;

    @BeforeAll
    void findSerializers() throws Exception {
        serialization = SerializationExtension.get(testKit.system());
        serializer = (ControlPlaneSerializer) serialization.serializerFor(Learner.Status.class);
    }

    @Test
    void everyControlPlaneMessageRoundTripsThroughKryo() {
        for (int seed = 0; seed < 150; seed++) {
            WireFixtures fixtures = new WireFixtures(seed, testKit);
            for (Object message : fixtures.controlPlaneMessages()) {
                String label = message.getClass().getName() + " (seed " + seed + ")";
                Serializer chosen = serialization.findSerializerFor(message);
                assertInstanceOf(ControlPlaneSerializer.class, chosen, label);
                byte[] bytes = serialization.serialize(message).get();
                String manifest = Serializers.manifestFor(chosen, message);
                assertEquals(ControlPlaneSerializer.MANIFEST, manifest);
                Object back = serialization.deserialize(bytes, chosen.identifier(), manifest).get();
                assertEquals(message, back, label);
            }
        }
    }

    @Test
    void actorRefsComeBackAsTheSameActor() {
        var probe = testKit.<Learner.Status>createTestProbe();
        Learner.GetStatus back = (Learner.GetStatus) roundTrip(new Learner.GetStatus(probe.ref()));
        back.replyTo().tell(new Learner.Status(1, 2, 3, 4, 5, 6, 7, true));
        // A generous limit stretched by pekko.test.timefactor, not the test kit's bare 3 s default.
        assertEquals(new Learner.Status(1, 2, 3, 4, 5, 6, 7, true), probe.receiveMessage(
                org.apache.pekko.actor.testkit.typed.TestKitSettings.create(testKit.system())
                        .dilated(java.time.Duration.ofSeconds(30))));
    }

    @Test
    void registeredValuesRoundTripOnTheirOwn() {
        for (int seed = 0; seed < 100; seed++) {
            WireFixtures fixtures = new WireFixtures(seed, testKit);
            int[] ints = fixtures.ints(100);
            long[] longs = fixtures.longs(100);
            float[] floats = fixtures.floats(100);
            double[] doubles = fixtures.doubles(100);
            double[][] matrix = fixtures.matrix(fixtures.size(6), fixtures.size(6));
            byte[] bytes = fixtures.bytes(fixtures.size(1000));
            assertArrayEquals(ints, (int[]) serializer.read(serializer.write(ints)));
            assertArrayEquals(longs, (long[]) serializer.read(serializer.write(longs)));
            assertArrayEquals(floats, (float[]) serializer.read(serializer.write(floats)));
            assertArrayEquals(doubles, (double[]) serializer.read(serializer.write(doubles)));
            assertTrue(Arrays.deepEquals(matrix, (double[][]) serializer.read(serializer.write(matrix))));
            assertArrayEquals(bytes, (byte[]) serializer.read(serializer.write(bytes)));
            String text = fixtures.text(200);
            assertEquals(text, serializer.read(serializer.write(text)));
        }
        // Strings are the bounded UTF-8 format (class id 1 + 2, length + 1, bytes), not Kryo's own.
        assertArrayEquals(new byte[] {3, 3, 'a', 'b'}, serializer.write("ab"));
        for (TensorEncoding encoding : TensorEncoding.values()) {
            assertEquals(encoding, serializer.read(serializer.write(encoding)));
        }
        for (TensorDType dtype : TensorDType.values()) {
            assertEquals(dtype, serializer.read(serializer.write(dtype)));
        }
        // Both JDK immutable list classes, written with their class, and lists of lists.
        for (List<?> list : List.of(List.of(), List.of(1L), List.of(1L, 2L), List.of(1L, 2L, 3L),
                List.of(List.of("a"), List.of()))) {
            Object back = serializer.read(serializer.write(list));
            assertEquals(list, back);
            assertEquals(list.getClass(), back.getClass());
        }
        double[][] ragged = {{1, 2}, {}, null};
        assertTrue(Arrays.deepEquals(ragged, (double[][]) serializer.read(serializer.write(ragged))));
        assertNull(serializer.read(serializer.write(null)));
    }

    @Test
    void anUnregisteredClassIsRefusedOnSerializeNamingIt() {
        long before = WireRefusals.total(WireRefusals.Reason.UNREGISTERED_CLASS);
        assertInstanceOf(ControlPlaneSerializer.class, serialization.findSerializerFor(new Stranger("x")));
        Throwable error = serialization.serialize(new Stranger("hello")).failed().get();
        assertInstanceOf(IllegalArgumentException.class, error);
        assertTrue(error.getMessage().contains(Stranger.class.getName()), error.getMessage());
        assertTrue(error.getMessage().contains("not in ControlPlaneRegistry"), error.getMessage());

        // Hidden inside a registered message (raw types, as a careless sender could).
        @SuppressWarnings({"unchecked", "rawtypes"})
        RolloutWorker.Credits smuggled = new RolloutWorker.Credits((List) List.of(new Stranger("inside")));
        Throwable nested = serialization.serialize(smuggled).failed().get();
        assertTrue(nested.getMessage().contains(Stranger.class.getName()), nested.getMessage());
        assertTrue(nested.getMessage().contains(RolloutWorker.Credits.class.getName()), nested.getMessage());
        assertEquals(before + 2, WireRefusals.total(WireRefusals.Reason.UNREGISTERED_CLASS));
    }

    @Test
    void bytesClaimingAnUnknownClassIdOrAClassNameAreRefused() {
        long before = WireRefusals.total(WireRefusals.Reason.UNREGISTERED_CLASS);
        Output unknownId = new Output(16);
        unknownId.writeVarInt(999 + 2, true); // Kryo writes class ids offset by 2
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> serializer.fromBinary(unknownId.toBytes(), ControlPlaneSerializer.MANIFEST));
        assertTrue(error.getMessage().contains("unregistered class ID: 999"), error.getMessage());
        assertTrue(error.getMessage().contains("nothing was instantiated"), error.getMessage());
        assertEquals(before + 1, WireRefusals.total(WireRefusals.Reason.UNREGISTERED_CLASS));

        Output byName = new Output(64);
        byName.writeVarInt(1, true); // NAME + 2: the class follows as its name
        byName.writeVarInt(0, true);
        byName.writeString("java.util.ArrayList");
        IllegalArgumentException named = assertThrows(IllegalArgumentException.class,
                () -> serializer.fromBinary(byName.toBytes(), ControlPlaneSerializer.MANIFEST));
        assertTrue(named.getMessage().contains("only registered class ids"), named.getMessage());

        // An unknown id inside a registered message: a list of Credits claiming class 4242.
        Output nested = new Output(16);
        nested.writeVarInt(100 + 2, true); // RolloutWorker.Credits
        nested.writeByte(1); // its list is not null
        nested.writeVarInt(1, true); // one credit
        nested.writeVarInt(4242 + 2, true);
        IllegalArgumentException inner = assertThrows(IllegalArgumentException.class,
                () -> serializer.fromBinary(nested.toBytes(), ControlPlaneSerializer.MANIFEST));
        assertTrue(inner.getMessage().contains("unregistered class ID: 4242"), inner.getMessage());
    }

    @Test
    void otherRegistrationsAndGarbageAreRefused() {
        byte[] bytes = serializer.toBinary(new Learner.Status(1, 2, 3, 4, 5, 6, 7, false));
        NotSerializableException other = assertThrows(NotSerializableException.class,
                () -> serializer.fromBinary(bytes, "k00000000"));
        assertTrue(other.getMessage().contains("another control-plane registration"), other.getMessage());

        // A length of two billion elements is refused before anything that size is allocated.
        Output huge = new Output(16);
        huge.writeVarInt(112 + 2, true); // Learner.ReturnCredits
        huge.writeByte(1); // its list is not null
        huge.writeVarInt(Integer.MAX_VALUE, true);
        IllegalArgumentException tooLong = assertThrows(IllegalArgumentException.class,
                () -> serializer.fromBinary(huge.toBytes(), ControlPlaneSerializer.MANIFEST));
        assertTrue(tooLong.getMessage().contains("claims 2147483647 elements"), tooLong.getMessage());

        byte[] trailing = DataPlaneSerializerTest.concat(bytes, new byte[] {0});
        assertThrows(IllegalArgumentException.class,
                () -> serializer.fromBinary(trailing, ControlPlaneSerializer.MANIFEST));
        // A registered value that is not a message.
        assertThrows(IllegalArgumentException.class,
                () -> serializer.fromBinary(serializer.write(new long[] {1}), ControlPlaneSerializer.MANIFEST));
    }

    @Test
    void aDamagedWeightSnapshotIsRefusedByItsChecksum() {
        byte[] data = new WireFixtures(1, testKit).bytes(64);
        WeightSnapshot snapshot = WeightSnapshot.of(7, TensorEncoding.FP32,
                List.of(new NamedTensor("w", TensorDType.F32, new long[] {4, 4}, data)));
        byte[] bytes = serializer.toBinary(new WeightCache.Publish(snapshot, 3, false));
        bytes[indexOf(bytes, data) + 10] ^= 0x01; // one bit of one weight, as a bad link might
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> serializer.fromBinary(bytes, ControlPlaneSerializer.MANIFEST));
        assertTrue(hasCause(error, CorruptSnapshotException.class), error.toString());
        assertTrue(error.getMessage().contains("checksum mismatch"), error.getMessage());
    }

    /**
     * Every public message of the actors' protocols that is not local-only has a wire format:
     * a data-plane binding or a control-plane registration. A new message fails here first.
     */
    @Test
    void everyMessageThatMayCrossNodesHasAWireFormat() throws Exception {
        Set<Class<?>> dataPlane = Set.of(JudgeWorker.Judge.class, Learner.GroupJudged.class,
                WeightCache.Offer.class);
        Set<Class<?>> registered = ControlPlaneRegistry.REGISTRATIONS.stream()
                .map(KryoRegistration::type).collect(Collectors.toSet());
        List<Class<?>> protocols = List.of(RolloutWorker.class, Learner.class, JudgeWorker.class, WeightCache.class,
                Monitor.class, Pipeline.class, Evaluator.class);
        Set<String> missing = new TreeSet<>();
        List<Class<?>> found = new ArrayList<>();
        for (Class<?> protocol : protocols) {
            for (Class<?> type : protocol.getDeclaredClasses()) {
                if (SppoMessage.class.isAssignableFrom(type) && !type.isInterface()
                        && !LocalOnly.class.isAssignableFrom(type)) {
                    found.add(type);
                    boolean covered = dataPlane.contains(type) || registered.contains(type);
                    if (!covered || !Modifier.isPublic(type.getModifiers())) {
                        missing.add(type.getName());
                    }
                    Serializer chosen = serialization.serializerFor(type);
                    Class<?> expected = dataPlane.contains(type) ? DataPlaneSerializer.class : ControlPlaneSerializer.class;
                    assertEquals(expected, chosen.getClass(), type.getName());
                }
            }
        }
        assertEquals(Set.of(), missing, "messages without a wire format: register them in ControlPlaneRegistry"
                + " (records: record(id, ...); enums: enum-ordinal), bind them to sppo-data, or mark them LocalOnly"
                + " if they never leave their JVM");
        assertTrue(found.size() >= 25, "public cross-node messages: " + found);
    }

    @Test
    void refsOfSpawnedActorsRoundTripToo() {
        // A field declared as ActorRef is written through the interface, whatever Pekko class is behind it.
        ActorRef<WeightCache.Command> spawned = testKit.spawn(
                org.apache.pekko.actor.typed.javadsl.Behaviors.ignore(), "ignored");
        WeightCache.Received received = new WeightCache.Received(1, spawned);
        assertEquals(received, roundTrip(received));
    }

    private Object roundTrip(Object message) {
        try {
            return serializer.fromBinary(serializer.toBinary(message), serializer.manifest(message));
        } catch (NotSerializableException e) {
            throw new AssertionError(e);
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            if (Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
                return i;
            }
        }
        throw new AssertionError("bytes not found");
    }

    private static boolean hasCause(Throwable error, Class<? extends Throwable> type) {
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (type.isInstance(cause)) {
                return true;
            }
        }
        return false;
    }
}
