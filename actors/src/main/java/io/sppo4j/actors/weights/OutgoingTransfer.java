package io.sppo4j.actors.weights;

/**
 * One version on its way to one peer: a window of chunks in flight, advanced by acknowledgements,
 * so a slow node slows only its own transfer and memory in flight stays bounded.
 */
public final class OutgoingTransfer {

    private final long version;
    private final int chunkCount;
    private final int window;
    private int next;
    private int acknowledged;
    private boolean started;
    private long lastProgressNanos;

    public OutgoingTransfer(long version, int chunkCount, int window, long nowNanos) {
        this.version = version;
        this.chunkCount = chunkCount;
        this.window = window;
        this.lastProgressNanos = nowNanos;
    }

    public long version() {
        return version;
    }

    /** The peer asked for the chunks from {@code from} on (0 for a new transfer, more when resuming). */
    public void startAt(int from, long nowNanos) {
        started = true;
        next = Math.max(0, Math.min(from, chunkCount));
        acknowledged = next;
        lastProgressNanos = nowNanos;
    }

    /** The next chunk the window allows, or -1. */
    public int nextToSend() {
        if (!started || next >= chunkCount || next >= acknowledged + window) {
            return -1;
        }
        return next++;
    }

    /** Chunks travel in order on one connection, so an acknowledgement covers every chunk before it. */
    public void acknowledge(int index, long nowNanos) {
        if (index + 1 > acknowledged) {
            acknowledged = Math.min(chunkCount, index + 1);
            lastProgressNanos = nowNanos;
        }
    }

    public boolean done() {
        return acknowledged >= chunkCount;
    }

    public boolean stalled(long nowNanos, long timeoutNanos) {
        return nowNanos - lastProgressNanos > timeoutNanos;
    }

    /** After a stall the offer is repeated and the peer says where to resume. */
    public void restart(long nowNanos) {
        started = false;
        lastProgressNanos = nowNanos;
    }
}
