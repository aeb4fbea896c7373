package io.sppo4j.cluster.serialization;

/**
 * The schema versions of the top-level {@code sppo4j.v1} protobuf messages this build writes, and
 * the check every reader applies: a {@code schema_version} newer than the one known here is
 * refused rather than read, because a newer writer bumps it exactly when an older reader would
 * misunderstand the message. Fields added without a bump are harmless: proto3 readers skip them.
 *
 * <p>Each message has its own number so that evolving one does not make old nodes refuse the
 * others. 0 (a writer that left the field unset) reads as the first version.
 */
public final class WireSchema {

    /** {@code sppo4j.v1.RolloutGroup}. */
    public static final int ROLLOUT_GROUP = 1;
    /** {@code sppo4j.v1.JudgedGroup}. */
    public static final int JUDGED_GROUP = 1;
    /** {@code sppo4j.v1.WeightSnapshotHeader}. */
    public static final int WEIGHT_SNAPSHOT_HEADER = 1;
    /** {@code sppo4j.v1.WeightOffer}. */
    public static final int WEIGHT_OFFER = 1;
    /** {@code sppo4j.v1.RolloutLogRecord}. */
    public static final int ROLLOUT_LOG_RECORD = 1;

    private WireSchema() {}

    /**
     * Refuses a message written under a newer schema than this build knows.
     *
     * @param message the protobuf message name, for the error
     * @param found the message's {@code schema_version}
     * @param known the newest version this build reads
     * @throws UnsupportedSchemaVersionException if {@code found} is newer than {@code known}
     */
    public static void check(String message, int found, int known) {
        // schema_version is uint32: compare unsigned, so a huge value is "newer", never "older".
        if (Integer.compareUnsigned(found, known) > 0) {
            WireRefusals.count(WireRefusals.Reason.NEWER_SCHEMA);
            throw new UnsupportedSchemaVersionException(message, Integer.toUnsignedLong(found), known);
        }
    }
}
