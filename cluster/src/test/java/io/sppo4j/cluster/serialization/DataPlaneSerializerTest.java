package io.sppo4j.cluster.serialization;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sppo4j.actors.JudgeWorker;
import io.sppo4j.actors.Learner;
import io.sppo4j.actors.WeightCache;
import io.sppo4j.actors.data.JudgedGroup;
import io.sppo4j.proto.WeightOffer;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;

import java.io.NotSerializableException;
import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/** The data plane through Pekko's serialization of a real ActorSystem, and the protobuf schema rules. */
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DataPlaneSerializerTest {

    @JUnit5TestKit
    final ActorTestKit testKit = new JUnit5TestKitBuilder().withCustomConfig(WireFixtures.systemConfig()).build();

    private Serialization serialization;
    private DataPlaneSerializer serializer;

    @BeforeAll
    void findSerializers() throws Exception {
        serialization = SerializationExtension.get(testKit.system());
        serializer = (DataPlaneSerializer) serialization.serializerFor(WeightCache.Offer.class);
    }

    @Test
    void everyDataPlaneMessageRoundTripsThroughTheProtobufSerializer() {
        for (int seed = 0; seed < 150; seed++) {
            WireFixtures fixtures = new WireFixtures(seed, testKit);
            for (Object message : fixtures.dataPlaneMessages()) {
                String label = message.getClass().getSimpleName() + " (seed " + seed + ")";
                Serializer chosen = serialization.findSerializerFor(message);
                assertInstanceOf(DataPlaneSerializer.class, chosen, label);
                byte[] bytes = serialization.serialize(message).get();
                Object back = serialization.deserialize(bytes, chosen.identifier(),
                        Serializers.manifestFor(chosen, message)).get();
                assertEquals(message, back, label);
                assertEquals(message, viaByteBuffer(message, false), label + " via a heap buffer");
                assertEquals(message, viaByteBuffer(message, true), label + " via a direct buffer");
            }
        }
    }

    @Test
    void unknownFieldsAreTolerated() throws Exception {
        WireFixtures fixtures = new WireFixtures(11, testKit);
        Random random = new Random(11);
        for (Object message : fixtures.dataPlaneMessages()) {
            String manifest = serializer.manifest(message);
            byte[] bytes = serializer.toBinary(message);
            // Fields a newer writer added, at the top level...
            byte[] extended = concat(bytes, unknownFields(random).toByteArray());
            assertEquals(message, serializer.fromBinary(extended, manifest), manifest);
        }
        // ...and inside nested messages.
        JudgedGroup judged = fixtures.judgedGroup();
        io.sppo4j.proto.JudgedGroup proto = DataPlaneProtos.toProto(judged);
        io.sppo4j.proto.JudgedGroup.Builder extended = proto.toBuilder().setUnknownFields(unknownFields(random));
        extended.getGroupBuilder().setUnknownFields(unknownFields(random));
        assertEquals(new Learner.GroupJudged(judged),
                serializer.fromBinary(extended.build().toByteArray(), DataPlaneSerializer.GROUP_JUDGED));
    }

    @Test
    void aNewerSchemaVersionIsRefusedWithAClearMessage() {
        WireFixtures fixtures = new WireFixtures(5, testKit);
        JudgedGroup judged = fixtures.judgedGroup();
        List<Object[]> cases = List.of(
                new Object[] {DataPlaneSerializer.JUDGE, "sppo4j.v1.RolloutGroup", DataPlaneProtos.toProto(judged.group())
                        .toBuilder().setSchemaVersion(WireSchema.ROLLOUT_GROUP + 1).build().toByteArray()},
                new Object[] {DataPlaneSerializer.GROUP_JUDGED, "sppo4j.v1.JudgedGroup", DataPlaneProtos.toProto(judged)
                        .toBuilder().setSchemaVersion(WireSchema.JUDGED_GROUP + 1).build().toByteArray()},
                // A nested message with a newer schema is refused as well.
                new Object[] {DataPlaneSerializer.GROUP_JUDGED, "sppo4j.v1.RolloutGroup", DataPlaneProtos.toProto(judged)
                        .toBuilder().setGroup(DataPlaneProtos.toProto(judged.group()).toBuilder().setSchemaVersion(-1))
                        .build().toByteArray()},
                new Object[] {DataPlaneSerializer.OFFER, "sppo4j.v1.WeightOffer", WeightOffer.newBuilder()
                        .setSchemaVersion(WireSchema.WEIGHT_OFFER + 1)
                        .setHeader(DataPlaneProtos.toProto(fixtures.snapshotHeader())).build().toByteArray()},
                new Object[] {DataPlaneSerializer.OFFER, "sppo4j.v1.WeightSnapshotHeader", WeightOffer.newBuilder()
                        .setSchemaVersion(WireSchema.WEIGHT_OFFER)
                        .setHeader(DataPlaneProtos.toProto(fixtures.snapshotHeader()).toBuilder()
                                .setSchemaVersion(WireSchema.WEIGHT_SNAPSHOT_HEADER + 7))
                        .build().toByteArray()});
        for (Object[] testCase : cases) {
            String manifest = (String) testCase[0];
            long refusedBefore = WireRefusals.total(WireRefusals.Reason.NEWER_SCHEMA);
            UnsupportedSchemaVersionException error = assertThrows(UnsupportedSchemaVersionException.class,
                    () -> serializer.fromBinary((byte[]) testCase[2], manifest));
            assertEquals(testCase[1], error.messageType(), manifest);
            assertTrue(error.getMessage().contains("newer sppo4j"), error.getMessage());
            assertTrue(error.getMessage().startsWith(testCase[1] + " has schema_version "), error.getMessage());
            assertEquals(refusedBefore + 1, WireRefusals.total(WireRefusals.Reason.NEWER_SCHEMA));
            // The same through the ByteBuffer path Artery takes.
            assertThrows(UnsupportedSchemaVersionException.class,
                    () -> serializer.fromBinary(ByteBuffer.wrap((byte[]) testCase[2]), manifest));
        }
    }

    @Test
    void unknownManifestsMalformedBytesAndOversizedMessagesAreRefused() {
        long unknownBefore = WireRefusals.total(WireRefusals.Reason.UNKNOWN_MANIFEST);
        NotSerializableException unknown = assertThrows(NotSerializableException.class,
                () -> serializer.fromBinary(new byte[0], "judged-v9"));
        assertTrue(unknown.getMessage().contains("judged-v9"), unknown.getMessage());
        assertEquals(unknownBefore + 1, WireRefusals.total(WireRefusals.Reason.UNKNOWN_MANIFEST));

        long malformedBefore = WireRefusals.total(WireRefusals.Reason.MALFORMED);
        WireFixtures offers = new WireFixtures(5, testKit);
        byte[] whole = serializer.toBinary(offers.dataPlaneMessages().get(2));
        byte[] truncated = Arrays.copyOf(whole, whole.length / 2);
        IllegalArgumentException malformed = assertThrows(IllegalArgumentException.class,
                () -> serializer.fromBinary(truncated, DataPlaneSerializer.OFFER));
        assertTrue(malformed.getMessage().startsWith("sppo-data: malformed 'offer'"), malformed.getMessage());
        // K=3 claimed with 2 preferences: parses, but is no K×K matrix.
        WireFixtures fixtures = new WireFixtures(2, testKit);
        JudgedGroup judged = new JudgedGroup(fixtures.rolloutGroup(3), fixtures.matrix(3, 3), new double[3], 0, "j");
        byte[] ragged = DataPlaneProtos.toProto(judged).toBuilder().clearPreferences().addPreferences(0.5)
                .addPreferences(0.5).build().toByteArray();
        IllegalArgumentException invalid = assertThrows(IllegalArgumentException.class,
                () -> serializer.fromBinary(ragged, DataPlaneSerializer.GROUP_JUDGED));
        assertTrue(invalid.getMessage().contains("k=3 with 2 preferences"), invalid.getMessage());
        assertEquals(malformedBefore + 2, WireRefusals.total(WireRefusals.Reason.MALFORMED));

        // Artery turns a BufferOverflowException into "oversized message" with the frame limit.
        Object big = new JudgeWorker.Judge(fixtures.rolloutGroup(200));
        ByteBuffer small = ByteBuffer.allocateDirect(64);
        assertThrows(BufferOverflowException.class, () -> serializer.toBinary(big, small));
        assertEquals(0, small.position());
    }

    @Test
    void aRaggedPreferenceMatrixIsRefusedOnSerialize() {
        WireFixtures fixtures = new WireFixtures(3, testKit);
        double[][] ragged = {{0.5, 0.5}, {0.5}};
        JudgedGroup judged = new JudgedGroup(fixtures.rolloutGroup(2), ragged, new double[2], 0, "j");
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> serializer.toBinary(new Learner.GroupJudged(judged)));
        assertTrue(error.getMessage().contains("preference row 1 has 1 values, expected 2"), error.getMessage());
    }

    @Test
    void theBufferPathWritesAfterWhatIsAlreadyInTheBufferAndMovesItsPosition() throws Exception {
        WireFixtures fixtures = new WireFixtures(9, testKit);
        JudgeWorker.Judge judge = new JudgeWorker.Judge(fixtures.rolloutGroup(4));
        byte[] expected = serializer.toBinary(judge);
        for (boolean direct : new boolean[] {false, true}) {
            ByteBuffer buffer = direct ? ByteBuffer.allocateDirect(expected.length + 100) : ByteBuffer.allocate(expected.length + 100);
            buffer.put(new byte[17]); // Artery's envelope header comes first
            serializer.toBinary(judge, buffer);
            assertEquals(17 + expected.length, buffer.position());
            buffer.flip().position(17);
            byte[] written = new byte[buffer.remaining()];
            buffer.duplicate().get(written);
            assertArrayEquals(expected, written);
            assertEquals(judge, serializer.fromBinary(buffer, DataPlaneSerializer.JUDGE));
        }
    }

    private Object viaByteBuffer(Object message, boolean direct) {
        int capacity = serializer.toBinary(message).length + 64;
        ByteBuffer buffer = direct ? ByteBuffer.allocateDirect(capacity) : ByteBuffer.allocate(capacity);
        serializer.toBinary(message, buffer);
        buffer.flip();
        try {
            return serializer.fromBinary(buffer, serializer.manifest(message));
        } catch (NotSerializableException e) {
            throw new AssertionError(e);
        }
    }

    /** Fields no sppo4j.v1 message has (numbers from 1000 on), of every wire type. */
    static UnknownFieldSet unknownFields(Random random) {
        return UnknownFieldSet.newBuilder()
                .addField(1000 + random.nextInt(100), UnknownFieldSet.Field.newBuilder().addVarint(random.nextLong()).build())
                .addField(1200, UnknownFieldSet.Field.newBuilder()
                        .addLengthDelimited(ByteString.copyFromUtf8("from a newer writer ✓")).build())
                .addField(1201, UnknownFieldSet.Field.newBuilder().addFixed32(random.nextInt()).build())
                .addField(1202, UnknownFieldSet.Field.newBuilder().addFixed64(random.nextLong()).build())
                .build();
    }

    static byte[] concat(byte[] first, byte[] second) {
        byte[] both = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        return both;
    }
}
