package io.sppo4j.actors.weights;

import io.sppo4j.actors.data.SnapshotHeader;

import java.util.function.Consumer;

/**
 * The version a node is fetching from a peer: its bytes as they arrive, kept when a fetch breaks
 * off so that the next offer resumes where it stopped, and the transfer writing them while one
 * runs.
 *
 * @param <O> the offer it came with (what the version is besides its bytes), replaced when the
 *     same version is offered again
 */
public final class IncomingVersion<O> {

    private final SnapshotAssembly assembly;
    private O offer;
    private WeightTransport.Transfer transfer;

    /** @throws IllegalArgumentException when the header describes no snapshot this node can hold */
    public IncomingVersion(SnapshotHeader header, O offer) {
        this.assembly = new SnapshotAssembly(header);
        this.offer = offer;
    }

    public long version() {
        return assembly.version();
    }

    public O offer() {
        return offer;
    }

    /** Whether a transfer is writing into it now. */
    public boolean fetching() {
        return transfer != null;
    }

    /** Starts (or resumes) fetching from {@code host:port} on behalf of {@code offer}. */
    public void fetch(O offer, WeightTransport transport, String host, int port, Runnable complete,
            Consumer<String> failed) {
        this.offer = offer;
        transfer = transport.fetch(host, port, assembly, complete, failed);
    }

    /** The transfer broke off; the bytes stay for the next offer to resume from. */
    public void brokeOff() {
        transfer = null;
    }

    /** All bytes are in: the assembly, now the caller's. */
    public SnapshotAssembly complete() {
        transfer = null;
        return assembly;
    }

    /** Stops the transfer, if any, and frees the bytes (now, or when the transfer stops writing). */
    public void cancel() {
        if (transfer != null) {
            transfer.cancel();
            transfer = null;
        }
        assembly.close();
    }
}
