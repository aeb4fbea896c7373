package io.sppo4j.cluster.serialization;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import com.esotericsoftware.kryo.io.Output;
import io.sppo4j.actors.WeightCache;
import io.sppo4j.actors.data.SnapshotHeader;
import io.sppo4j.model.fuzz.Fuzzing;
import io.sppo4j.model.weights.TensorDType;
import io.sppo4j.model.weights.TensorEncoding;
import io.sppo4j.model.weights.TensorSpec;
import io.sppo4j.proto.WeightOffer;

import java.io.NotSerializableException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.SerializerWithStringManifest;
import org.slf4j.LoggerFactory;

/**
 * Both wire formats under generated and mutated bytes, through the serializers of a real
 * ActorSystem: the protobuf data plane (each of its manifests) and the Kryo control plane. Bad
 * bytes are refused with an {@link IllegalArgumentException} (counted in
 * {@code sppo_wire_refused_total}) or, for an unknown manifest, a {@link NotSerializableException};
 * nothing else escapes, and no claimed length is allocated before it is checked.
 */
class WireFuzzTest {

    private static ActorTestKit testKit;
    private static SerializerWithStringManifest dataPlane;
    private static ControlPlaneSerializer controlPlane;
    private static Map<String, List<byte[]>> dataSeeds;
    private static List<byte[]> controlSeeds;
    private static Level controlLogLevel;

    @BeforeContainer
    static void start() throws NotSerializableException {
        testKit = ActorTestKit.create(WireFixtures.systemConfig());
        var serialization = SerializationExtension.get(testKit.system());
        WireFixtures fixtures = new WireFixtures(7, testKit);
        dataPlane = (SerializerWithStringManifest) serialization.serializerFor(WeightCache.Offer.class);
        dataSeeds = new java.util.TreeMap<>();
        for (int round = 0; round < 10; round++) {
            for (Object message : fixtures.dataPlaneMessages()) {
                dataSeeds.computeIfAbsent(dataPlane.manifest(message), m -> new ArrayList<>()).add(dataPlane.toBinary(message));
            }
        }
        controlSeeds = new ArrayList<>();
        Object control = fixtures.controlPlaneMessages().get(0);
        controlPlane = (ControlPlaneSerializer) serialization.serializerFor(control.getClass());
        for (int round = 0; round < 5; round++) {
            for (Object message : fixtures.controlPlaneMessages()) {
                controlSeeds.add(controlPlane.toBinary(message));
            }
        }
        // Every refusal is logged at ERROR, as it should be in a cluster; here that is thousands of lines.
        Logger log = (Logger) LoggerFactory.getLogger(ControlPlaneSerializer.class);
        controlLogLevel = log.getLevel();
        log.setLevel(Level.OFF);
    }

    @AfterContainer
    static void stop() {
        ((Logger) LoggerFactory.getLogger(ControlPlaneSerializer.class)).setLevel(controlLogLevel);
        testKit.shutdownTestKit();
    }

    @Property(tries = 6_000)
    void judgeRequestsRefuseBadBytes(@ForAll("judgeBytes") byte[] input) {
        readData(input, DataPlaneSerializer.JUDGE);
    }

    @Property(tries = 6_000)
    void judgedGroupsRefuseBadBytes(@ForAll("judgedBytes") byte[] input) {
        readData(input, DataPlaneSerializer.GROUP_JUDGED);
    }

    @Property(tries = 6_000)
    void weightOffersRefuseBadBytes(@ForAll("offerBytes") byte[] input) {
        readData(input, DataPlaneSerializer.OFFER);
    }

    @Property(tries = 12_000)
    void controlMessagesRefuseBadBytes(@ForAll("controlBytes") byte[] input) {
        Fuzzing.decodes("control plane", Fuzzing.allocationBound(input.length),
                () -> controlPlane.fromBinary(input, ControlPlaneSerializer.MANIFEST), IllegalArgumentException.class);
    }

    /** A Kryo array length of ~2 GB in a 16-byte message: refused before anything of that size is allocated. */
    @Example
    void aKryoLengthOfTwoGigabytesAllocatesNothingOfThatSize() {
        for (byte[] seed : controlSeeds) {
            for (int at = 1; at < Math.min(seed.length, 24); at++) {
                byte[] input = seed.clone();
                Output varint = new Output(8);
                varint.writeVarInt(0x7FFF_FFF0, true);
                byte[] length = varint.toBytes();
                System.arraycopy(length, 0, input, at, Math.min(length.length, input.length - at));
                Fuzzing.decodes("control plane with a 2 GB length at byte " + at, Fuzzing.allocationBound(64),
                        () -> controlPlane.fromBinary(input, ControlPlaneSerializer.MANIFEST), IllegalArgumentException.class);
            }
        }
    }

    /** A protobuf field length of ~2 GB in a short data-plane message: refused, nothing of that size allocated. */
    @Example
    void aProtobufLengthOfTwoGigabytesAllocatesNothingOfThatSize() {
        for (Map.Entry<String, List<byte[]>> seeds : dataSeeds.entrySet()) {
            byte[] input = seeds.getValue().get(0);
            for (int at = 0; at < Math.min(input.length, 32); at++) {
                byte[] damaged = java.util.Arrays.copyOf(input, Math.min(input.length, 64));
                byte[] length = {(byte) 0xF0, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x07}; // varint 0x7FFFFFF0
                System.arraycopy(length, 0, damaged, at, Math.min(length.length, damaged.length - at));
                Fuzzing.decodes(seeds.getKey() + " with a 2 GB length at byte " + at, Fuzzing.allocationBound(64),
                        () -> dataPlane.fromBinary(damaged, seeds.getKey()), IllegalArgumentException.class);
            }
        }
    }

    @Example
    void anUnknownManifestIsNamed() {
        Fuzzing.Outcome outcome = Fuzzing.decodes("unknown manifest", Fuzzing.allocationBound(64),
                () -> dataPlane.fromBinary(new byte[] {1, 2, 3}, "zz"), NotSerializableException.class);
        assertTrue(outcome.refused() && outcome.refusal().getMessage().contains("'zz'"));
    }

    private void readData(byte[] input, String manifest) {
        Fuzzing.Outcome outcome = Fuzzing.decodes("data plane '" + manifest + "'", Fuzzing.allocationBound(input.length),
                () -> dataPlane.fromBinary(input, manifest), IllegalArgumentException.class);
        if (outcome.value() instanceof WeightCache.Offer offer) {
            // A receiver sizes what an offer describes before the bytes come: every size must be a number of bytes.
            for (var tensor : offer.header().tensors()) {
                assertTrue(tensor.byteSize() >= 0, tensor.name() + " has a negative size");
            }
        }
    }

    /** An offer of a tensor whose size is no number (2^80 floats) is refused at decoding, not by the cache that would size it. */
    @Example
    void anOfferOfAnUnsizableTensorIsRefused() throws Exception {
        SnapshotHeader header = new SnapshotHeader(3, TensorEncoding.FP32, 0,
                List.of(new TensorSpec("huge", TensorDType.F32, new long[] {1, 1})));
        // No TensorSpec holds 2^80 elements: a sender past its own checks (or a forger) writes the shape on the wire.
        WeightOffer.Builder offer = WeightOffer.parseFrom(
                dataPlane.toBinary(new WeightCache.Offer(header, 1, false, "127.0.0.1", 1, null))).toBuilder();
        offer.getHeaderBuilder().getTensorsBuilder(0).clearShape().addShape(1L << 40).addShape(1L << 40);
        byte[] bytes = offer.build().toByteArray();
        Fuzzing.Outcome outcome = Fuzzing.decodes("huge offer", Fuzzing.allocationBound(64), () -> dataPlane.fromBinary(bytes, DataPlaneSerializer.OFFER),
                IllegalArgumentException.class);
        assertTrue(outcome.refused() && outcome.refusal().getMessage().contains("more bytes than a long counts"),
                String.valueOf(outcome.refusal()));
    }

    @Provide
    Arbitrary<byte[]> judgeBytes() {
        return Fuzzing.bytesAround(dataSeeds.get(DataPlaneSerializer.JUDGE), 8192);
    }

    @Provide
    Arbitrary<byte[]> judgedBytes() {
        return Fuzzing.bytesAround(dataSeeds.get(DataPlaneSerializer.GROUP_JUDGED), 8192);
    }

    @Provide
    Arbitrary<byte[]> offerBytes() {
        return Fuzzing.bytesAround(dataSeeds.get(DataPlaneSerializer.OFFER), 8192);
    }

    @Provide
    Arbitrary<byte[]> controlBytes() {
        return Fuzzing.bytesAround(controlSeeds, 4096);
    }
}
