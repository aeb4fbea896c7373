package io.sppo4j.cluster.serialization;

import io.sppo4j.actors.JudgeWorker;
import io.sppo4j.actors.Learner;
import io.sppo4j.actors.WeightCache;
import io.sppo4j.proto.WeightOffer;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.MessageLite;

import java.io.IOException;
import java.io.NotSerializableException;
import java.io.UncheckedIOException;
import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.serialization.ByteBufferSerializer;
import org.apache.pekko.serialization.SerializerWithStringManifest;

/**
 * The data plane on the wire: rollout groups to judges, judged groups to the learner, weight
 * offers between nodes' weight caches, as {@code sppo4j.v1} protobuf (see
 * {@code proto/}), so the bytes are readable from any language and evolve by schema rules.
 *
 * <p>Bound in {@code sppo4j-serialization.conf} to the three message classes; bindings to a
 * concrete class win over the {@code SppoMessage} binding of the control plane. As a
 * {@link ByteBufferSerializer}, Artery lets it write straight into its send buffer and read
 * straight from its receive buffer. (The weights' bytes themselves do not travel through
 * remoting but over the weight caches' own transfer connections.)
 *
 * <p>Refusals (newer {@code schema_version}, unknown manifest, malformed bytes) throw and are
 * counted in {@link WireRefusals}; Pekko logs and drops the message.
 */
public final class DataPlaneSerializer extends SerializerWithStringManifest implements ByteBufferSerializer {

    /** Serializer id {@code sppo-data}; unique in the system, never reused for another format. */
    public static final int IDENTIFIER = 740_001;

    /** Manifest of {@link JudgeWorker.Judge}: {@code sppo4j.v1.RolloutGroup}. */
    public static final String JUDGE = "judge";
    /** Manifest of {@link Learner.GroupJudged}: {@code sppo4j.v1.JudgedGroup}. */
    public static final String GROUP_JUDGED = "judged";
    /** Manifest of {@link WeightCache.Offer}: {@code sppo4j.v1.WeightOffer}. */
    public static final String OFFER = "offer";

    private final LazyRefResolver resolver;

    public DataPlaneSerializer(ExtendedActorSystem system) {
        this.resolver = new LazyRefResolver(system);
    }

    @Override
    public int identifier() {
        return IDENTIFIER;
    }

    @Override
    public String manifest(Object message) {
        if (message instanceof JudgeWorker.Judge) {
            return JUDGE;
        } else if (message instanceof Learner.GroupJudged) {
            return GROUP_JUDGED;
        } else if (message instanceof WeightCache.Offer) {
            return OFFER;
        }
        throw notDataPlane(message);
    }

    @Override
    public byte[] toBinary(Object message) {
        return toProto(message).toByteArray();
    }

    @Override
    public void toBinary(Object message, ByteBuffer buffer) {
        MessageLite proto = toProto(message);
        // Artery reports a BufferOverflowException as an oversized message with the frame limit;
        // protobuf's own OutOfSpaceException would read as an unexplained failure.
        if (proto.getSerializedSize() > buffer.remaining()) {
            throw new BufferOverflowException();
        }
        try {
            CodedOutputStream output = CodedOutputStream.newInstance(buffer);
            proto.writeTo(output);
            output.flush(); // moves the buffer's position past what was written
        } catch (IOException e) {
            throw new UncheckedIOException("sppo-data: writing " + message.getClass().getName(), e);
        }
    }

    @Override
    public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
        return read(CodedInputStream.newInstance(bytes), manifest);
    }

    @Override
    public Object fromBinary(ByteBuffer buffer, String manifest) throws NotSerializableException {
        // Without aliasing (the default) the input copies out of the buffer, which Artery reuses.
        return read(CodedInputStream.newInstance(buffer), manifest);
    }

    private MessageLite toProto(Object message) {
        if (message instanceof JudgeWorker.Judge judge) {
            return DataPlaneProtos.toProto(judge.group());
        } else if (message instanceof Learner.GroupJudged judged) {
            return DataPlaneProtos.toProto(judged.group());
        } else if (message instanceof WeightCache.Offer offer) {
            String source = offer.source() == null ? "" : resolver.get().toSerializationFormat(offer.source());
            return DataPlaneProtos.toProto(offer, source);
        }
        throw notDataPlane(message);
    }

    private Object read(CodedInputStream input, String manifest) throws NotSerializableException {
        if (!(JUDGE.equals(manifest) || GROUP_JUDGED.equals(manifest) || OFFER.equals(manifest))) {
            WireRefusals.count(WireRefusals.Reason.UNKNOWN_MANIFEST);
            // NotSerializableException is Pekko's signal for "a type this node does not know".
            throw new NotSerializableException(
                    "sppo-data: unknown manifest '" + manifest + "' (a data-plane message of a newer sppo4j?)");
        }
        try {
            return switch (manifest) {
                case JUDGE -> new JudgeWorker.Judge(
                        DataPlaneProtos.fromProto(io.sppo4j.proto.RolloutGroup.parseFrom(input)));
                case GROUP_JUDGED -> new Learner.GroupJudged(
                        DataPlaneProtos.fromProto(io.sppo4j.proto.JudgedGroup.parseFrom(input)));
                default -> {
                    WeightOffer offer = WeightOffer.parseFrom(input);
                    ActorRef<WeightCache.Command> source =
                            offer.getSource().isEmpty() ? null : resolver.get().resolveActorRef(offer.getSource());
                    yield DataPlaneProtos.fromProto(offer, source);
                }
            };
        } catch (UnsupportedSchemaVersionException e) {
            throw e; // counted where it was found
        } catch (IOException e) {
            // InvalidProtocolBufferException: truncated or garbled; reading memory has no other IO.
            WireRefusals.count(WireRefusals.Reason.MALFORMED);
            throw new IllegalArgumentException("sppo-data: malformed '" + manifest + "' message: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            // Parsed, but the records refuse the values (a ragged matrix, an unknown dtype...).
            WireRefusals.count(WireRefusals.Reason.MALFORMED);
            throw new IllegalArgumentException("sppo-data: invalid '" + manifest + "' message: " + e.getMessage(), e);
        }
    }

    private static IllegalArgumentException notDataPlane(Object message) {
        return new IllegalArgumentException("sppo-data serializes Judge, GroupJudged and Offer only, not "
                + (message == null ? "null" : message.getClass().getName())
                + "; check serialization-bindings in sppo4j-serialization.conf");
    }
}
