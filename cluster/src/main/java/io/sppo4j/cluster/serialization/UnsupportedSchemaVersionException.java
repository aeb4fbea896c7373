package io.sppo4j.cluster.serialization;

/**
 * A data-plane message (or rollout-log record) written under a newer schema than this build
 * reads. Reading it anyway could misinterpret fields whose meaning changed, so it is refused;
 * the cure is to upgrade this node (or read the log with a newer {@code sppo}).
 */
public final class UnsupportedSchemaVersionException extends IllegalArgumentException {

    private final String messageType;
    private final long found;
    private final int known;

    public UnsupportedSchemaVersionException(String messageType, long found, int known) {
        super(messageType + " has schema_version " + found + " but this build of sppo4j reads up to " + known
                + "; it was written by a newer sppo4j: upgrade this node (or reader) to read it");
        this.messageType = messageType;
        this.found = found;
        this.known = known;
    }

    /** The protobuf message name, e.g. {@code sppo4j.v1.JudgedGroup}. */
    public String messageType() {
        return messageType;
    }

    /** The schema version the message claims. */
    public long found() {
        return found;
    }

    /** The newest schema version this build reads. */
    public int known() {
        return known;
    }
}
