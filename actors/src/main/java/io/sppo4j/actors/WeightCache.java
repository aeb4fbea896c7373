package io.sppo4j.actors;

import io.sppo4j.actors.data.SnapshotHeader;
import io.sppo4j.actors.weights.OutgoingTransfer;
import io.sppo4j.actors.weights.SnapshotAssembly;
import io.sppo4j.actors.weights.SnapshotChunks;
import io.sppo4j.model.weights.WeightSnapshot;

import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/**
 * A node's copy of the newest weights. Every subscriber on the node (rollout workers, the
 * evaluator) gets each version from here, so weights cross the network once per node whatever
 * the number of workers on it.
 *
 * <p>The cache next to the learner receives each version locally and sends it to the caches of
 * every other node (found through the receptionist) as acknowledged chunks within a window: a
 * slow node slows only its own transfer. A node that joins late is offered the newest version; a
 * node still receiving an older version when a newer one appears jumps to the newer one; an
 * interrupted transfer resumes from the first missing chunk. A received version is used only if
 * its checksum matches. Versions only move forward: an older or repeated version is ignored.
 */
public final class WeightCache extends AbstractBehavior<WeightCache.Command> {

    public sealed interface Command extends SppoMessage {}

    /**
     * From the learner on this node: a new version to hold and to send to every other node.
     *
     * @param step learner step the weights are from
     * @param last the learner's final version: evaluated even if off the evaluation cadence
     */
    public record Publish(WeightSnapshot snapshot, long step, boolean last) implements Command {}

    public record Subscribe(ActorRef<Update> subscriber) implements Command {}

    public record GetLatestVersion(ActorRef<LatestVersion> replyTo) implements Command {}

    /** Peer to peer: a version is available, in {@code chunkCount} chunks of {@code chunkSize} bytes. */
    public record Offer(SnapshotHeader header, long step, boolean last, int chunkSize, int chunkCount,
            ActorRef<Command> source) implements Command {}

    /** Peer to peer: send {@code version} from chunk {@code fromChunk} on. */
    public record Want(long version, int fromChunk, ActorRef<Command> peer) implements Command {}

    /** Peer to peer: the receiver holds {@code version} or newer already. */
    public record Have(long version, ActorRef<Command> peer) implements Command {}

    /** Peer to peer: one chunk of a version's bytes. */
    public record Chunk(long version, int index, byte[] data) implements Command {
        public Chunk {
            Objects.requireNonNull(data, "data");
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Chunk that
                    && version == that.version && index == that.index && Arrays.equals(data, that.data);
        }

        @Override
        public int hashCode() {
            return Objects.hash(version, index, Arrays.hashCode(data));
        }

        @Override
        public String toString() {
            return "Chunk[v" + version + " #" + index + ", " + data.length + " bytes]";
        }
    }

    /** Peer to peer: chunk {@code index} (and, chunks being ordered, every one before it) arrived. */
    public record Ack(long version, int index, ActorRef<Command> peer) implements Command {}

    /** Sent to subscribers: the newest weights. */
    public record Update(WeightSnapshot snapshot, long step, boolean last) implements SppoMessage {
        public long version() {
            return snapshot.version();
        }
    }

    /** The highest version this node knows of (held, or offered to it), -1 when none. */
    public record LatestVersion(long version) implements SppoMessage {}

    private record PeersChanged(Receptionist.Listing listing) implements Command, LocalOnly {}

    private enum Tick implements Command, LocalOnly {
        INSTANCE
    }

    /**
     * @param group caches of one training run find each other under this name; runs sharing a
     *     cluster (or tests sharing a system) use different groups
     * @param chunkSize bytes per chunk (must fit the remoting frame for large messages)
     * @param window chunks in flight per peer before an acknowledgement is needed
     * @param stallTimeout a transfer without progress this long is offered again
     */
    public record Settings(String group, int chunkSize, int window, Duration stallTimeout) {
        public static final Settings DEFAULT = new Settings("default", 1 << 20, 8, Duration.ofSeconds(10));

        public Settings {
            if (chunkSize <= 0 || window <= 0) {
                throw new IllegalArgumentException("weight chunk size and window must be positive");
            }
        }

        /** The receptionist key of this group's caches. */
        public ServiceKey<Command> key() {
            return ServiceKey.create(Command.class, "sppo4j-weight-cache-" + group);
        }

        public Settings withGroup(String name) {
            return new Settings(name, chunkSize, window, stallTimeout);
        }
    }

    /** A cache on its own: no other cache of its group is expected (one JVM). */
    public static Behavior<Command> create() {
        return create(Settings.DEFAULT);
    }

    public static Behavior<Command> create(Settings settings) {
        return Behaviors.withTimers(timers -> Behaviors.setup(context -> new WeightCache(context, timers, settings)));
    }

    private final Settings settings;
    private final ServiceKey<Command> key;
    private final Set<ActorRef<Update>> subscribers = new LinkedHashSet<>();
    private final Set<ActorRef<Command>> peers = new LinkedHashSet<>();
    private final Map<ActorRef<Command>, OutgoingTransfer> outgoing = new HashMap<>();
    private Update latest;
    private long highestSeen = -1;
    private SnapshotChunks chunks;
    private SnapshotAssembly incoming;
    private Offer incomingOffer;

    private WeightCache(ActorContext<Command> context, TimerScheduler<Command> timers, Settings settings) {
        super(context);
        context.setLoggerName(WeightCache.class);
        this.settings = settings;
        this.key = settings.key();
        context.getSystem().receptionist().tell(Receptionist.register(key, context.getSelf()));
        context.getSystem().receptionist().tell(Receptionist.subscribe(
                key, context.messageAdapter(Receptionist.Listing.class, PeersChanged::new)));
        timers.startTimerWithFixedDelay(Tick.INSTANCE, Duration.ofSeconds(1));
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Publish.class, this::onPublish)
                .onMessage(Subscribe.class, this::onSubscribe)
                .onMessage(GetLatestVersion.class, this::onGetLatestVersion)
                .onMessage(PeersChanged.class, this::onPeersChanged)
                .onMessage(Offer.class, this::onOffer)
                .onMessage(Want.class, this::onWant)
                .onMessage(Have.class, this::onHave)
                .onMessage(Chunk.class, this::onChunk)
                .onMessage(Ack.class, this::onAck)
                .onMessageEquals(Tick.INSTANCE, this::onTick)
                .onSignal(Terminated.class, this::onTerminated)
                .build();
    }

    private long heldVersion() {
        return latest == null ? -1 : latest.version();
    }

    private Behavior<Command> onPublish(Publish publish) {
        long version = publish.snapshot().version();
        if (!accepts(version, publish.last())) {
            getContext().getLog().debug("ignoring weights v{}: v{} is already held", version, heldVersion());
            return this;
        }
        // A checksum failure here means the bytes were damaged after export; refuse them whole.
        publish.snapshot().verify();
        install(new Update(publish.snapshot(), publish.step(), publish.last()));
        chunks = new SnapshotChunks(publish.snapshot(), settings.chunkSize());
        outgoing.clear(); // a transfer of an older version is abandoned: peers jump to this one
        for (ActorRef<Command> peer : peers) {
            offer(peer);
        }
        return this;
    }

    /** A newer version, or the held one newly marked as the last. */
    private boolean accepts(long version, boolean last) {
        long held = heldVersion();
        return version > held || (version == held && last && !latest.last());
    }

    private void install(Update update) {
        latest = update;
        highestSeen = Math.max(highestSeen, update.version());
        if (incoming != null && incoming.version() <= update.version()) {
            incoming = null;
            incomingOffer = null;
        }
        for (ActorRef<Update> subscriber : subscribers) {
            subscriber.tell(latest);
        }
    }

    private void offer(ActorRef<Command> peer) {
        WeightSnapshot snapshot = latest.snapshot();
        OutgoingTransfer transfer = new OutgoingTransfer(
                snapshot.version(), chunks.chunkCount(), settings.window(), System.nanoTime());
        outgoing.put(peer, transfer);
        peer.tell(new Offer(SnapshotHeader.of(snapshot), latest.step(), latest.last(), chunks.chunkSize(),
                chunks.chunkCount(), getContext().getSelf()));
    }

    private Behavior<Command> onSubscribe(Subscribe subscribe) {
        if (subscribers.add(subscribe.subscriber())) {
            getContext().watch(subscribe.subscriber());
        }
        if (latest != null) {
            subscribe.subscriber().tell(latest);
        }
        return this;
    }

    private Behavior<Command> onGetLatestVersion(GetLatestVersion request) {
        request.replyTo().tell(new LatestVersion(highestSeen));
        return this;
    }

    private Behavior<Command> onPeersChanged(PeersChanged changed) {
        Set<ActorRef<Command>> current = new LinkedHashSet<>(changed.listing().getServiceInstances(key));
        current.remove(getContext().getSelf());
        for (ActorRef<Command> peer : current) {
            // A node that joins late gets the newest version this node is the source of.
            if (!peers.contains(peer) && chunks != null && latest != null) {
                offer(peer);
            }
        }
        peers.clear();
        peers.addAll(current);
        outgoing.keySet().retainAll(peers);
        return this;
    }

    private Behavior<Command> onOffer(Offer offer) {
        long version = offer.header().version();
        highestSeen = Math.max(highestSeen, version);
        if (version <= heldVersion()) {
            if (version == heldVersion() && offer.last() && !latest.last()) {
                install(new Update(latest.snapshot(), latest.step(), true));
            }
            offer.source().tell(new Have(heldVersion(), getContext().getSelf()));
            return this;
        }
        if (incoming == null || incoming.version() != version) {
            // A newer version replaces an older one still on its way.
            incoming = new SnapshotAssembly(offer.header(), offer.chunkSize());
        }
        incomingOffer = offer;
        offer.source().tell(new Want(version, incoming.firstMissing(), getContext().getSelf()));
        return this;
    }

    private Behavior<Command> onWant(Want want) {
        OutgoingTransfer transfer = outgoing.get(want.peer());
        if (transfer == null || transfer.version() != want.version()) {
            return this;
        }
        transfer.startAt(want.fromChunk(), System.nanoTime());
        pump(want.peer(), transfer);
        return this;
    }

    private Behavior<Command> onHave(Have have) {
        OutgoingTransfer transfer = outgoing.get(have.peer());
        if (transfer != null && transfer.version() <= have.version()) {
            outgoing.remove(have.peer());
        }
        return this;
    }

    private Behavior<Command> onChunk(Chunk chunk) {
        if (incoming == null || incoming.version() != chunk.version()) {
            return this; // a chunk of a version this node has moved past
        }
        try {
            incoming.accept(chunk.index(), chunk.data());
        } catch (IllegalArgumentException e) {
            getContext().getLog().warn("refusing {}: {}", chunk, e.getMessage());
            return this;
        }
        Offer offer = incomingOffer;
        offer.source().tell(new Ack(chunk.version(), chunk.index(), getContext().getSelf()));
        if (incoming.complete()) {
            SnapshotAssembly assembly = incoming;
            incoming = null;
            incomingOffer = null;
            try {
                install(new Update(assembly.snapshot(), offer.step(), offer.last()));
            } catch (RuntimeException e) {
                // Damaged in transit: the bytes are never used; the next version replaces them.
                getContext().getLog().error("weights v{} failed their checksum and were discarded: {}",
                        assembly.version(), e.getMessage());
            }
        }
        return this;
    }

    private Behavior<Command> onAck(Ack ack) {
        OutgoingTransfer transfer = outgoing.get(ack.peer());
        if (transfer == null || transfer.version() != ack.version()) {
            return this;
        }
        transfer.acknowledge(ack.index(), System.nanoTime());
        if (transfer.done()) {
            outgoing.remove(ack.peer());
        } else {
            pump(ack.peer(), transfer);
        }
        return this;
    }

    private void pump(ActorRef<Command> peer, OutgoingTransfer transfer) {
        for (int index = transfer.nextToSend(); index >= 0; index = transfer.nextToSend()) {
            peer.tell(new Chunk(transfer.version(), index, chunks.chunk(index)));
        }
    }

    private Behavior<Command> onTick() {
        long now = System.nanoTime();
        for (Map.Entry<ActorRef<Command>, OutgoingTransfer> entry : outgoing.entrySet()) {
            OutgoingTransfer transfer = entry.getValue();
            if (transfer.stalled(now, settings.stallTimeout().toNanos())) {
                // Lost on the way (a dropped connection loses messages): offer again, resume where it stopped.
                getContext().getLog().info("weights v{} to {} stalled; offering again", transfer.version(),
                        entry.getKey().path().address());
                transfer.restart(now);
                entry.getKey().tell(new Offer(SnapshotHeader.of(latest.snapshot()), latest.step(), latest.last(),
                        chunks.chunkSize(), chunks.chunkCount(), getContext().getSelf()));
            }
        }
        return this;
    }

    private Behavior<Command> onTerminated(Terminated terminated) {
        subscribers.removeIf(subscriber -> subscriber.equals(terminated.getRef()));
        return this;
    }
}
