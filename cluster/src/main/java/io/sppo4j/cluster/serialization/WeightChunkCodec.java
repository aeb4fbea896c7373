package io.sppo4j.cluster.serialization;

import io.sppo4j.actors.WeightCache;
import io.sppo4j.proto.WeightChunk;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.UnsafeByteOperations;
import com.google.protobuf.WireFormat;

import java.io.IOException;

/**
 * {@code sppo4j.v1.WeightChunk} with as few copies of the (megabyte) payload as the records
 * allow: writing wraps the chunk's array instead of copying it into a {@code ByteString}, so the
 * only copy is into the output (Artery's send buffer); reading pulls the bytes field straight
 * into the chunk's new array, where the generated parser would copy into a {@code ByteString}
 * first and {@code toByteArray()} copy again.
 *
 * <p>The hand-written reader follows the generated one's rules: fields in any order, the last
 * occurrence wins, unknown fields skipped. A test holds the two to the same results.
 */
final class WeightChunkCodec {

    private static final int SCHEMA_VERSION_TAG = tag(WeightChunk.SCHEMA_VERSION_FIELD_NUMBER, WireFormat.WIRETYPE_VARINT);
    private static final int VERSION_TAG = tag(WeightChunk.VERSION_FIELD_NUMBER, WireFormat.WIRETYPE_VARINT);
    private static final int INDEX_TAG = tag(WeightChunk.INDEX_FIELD_NUMBER, WireFormat.WIRETYPE_VARINT);
    private static final int DATA_TAG = tag(WeightChunk.DATA_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
    private static final byte[] EMPTY = new byte[0];

    private WeightChunkCodec() {}

    /**
     * The chunk as a protobuf message that shares the chunk's array. Safe because the message is
     * written out at once and chunks are never changed after they are made.
     */
    static WeightChunk toProto(WeightCache.Chunk chunk) {
        return WeightChunk.newBuilder()
                .setSchemaVersion(WireSchema.WEIGHT_CHUNK)
                .setVersion(chunk.version())
                .setIndex(chunk.index())
                .setData(UnsafeByteOperations.unsafeWrap(chunk.data()))
                .build();
    }

    /** Reads one chunk from the rest of {@code input}. */
    static WeightCache.Chunk read(CodedInputStream input) throws IOException {
        int schemaVersion = 0;
        long version = 0;
        int index = 0;
        byte[] data = EMPTY;
        while (true) {
            int tag = input.readTag();
            if (tag == 0) {
                break;
            } else if (tag == SCHEMA_VERSION_TAG) {
                schemaVersion = input.readUInt32();
            } else if (tag == VERSION_TAG) {
                version = input.readInt64();
            } else if (tag == INDEX_TAG) {
                index = input.readUInt32();
            } else if (tag == DATA_TAG) {
                data = input.readByteArray();
            } else if (!input.skipField(tag)) {
                break; // an end-group tag: not valid here, and the generated parser stops too
            }
        }
        WireSchema.check("sppo4j.v1.WeightChunk", schemaVersion, WireSchema.WEIGHT_CHUNK);
        return new WeightCache.Chunk(version, index, data);
    }

    private static int tag(int fieldNumber, int wireType) {
        return (fieldNumber << 3) | wireType; // WireFormat.makeTag is package-private
    }
}
