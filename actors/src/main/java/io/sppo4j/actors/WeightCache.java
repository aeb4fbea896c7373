package io.sppo4j.actors;

import io.sppo4j.actors.data.SnapshotHeader;
import io.sppo4j.actors.weights.IncomingVersion;
import io.sppo4j.actors.weights.SnapshotAssembly;
import io.sppo4j.actors.weights.WeightTransferMetrics;
import io.sppo4j.actors.weights.WeightTransport;
import io.sppo4j.model.weights.CorruptSnapshotException;
import io.sppo4j.model.weights.WeightSnapshot;

import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
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
 * <p>The cache next to the learner receives each version locally, serves its bytes on a TCP
 * connection of its own ({@link WeightTransport}) and offers it to the caches of every other
 * node (found through the receptionist). A cache offered a newer version fetches it, resuming
 * from where an interrupted fetch stopped, and uses it only if its checksum matches; a node that
 * joins late is offered the newest version; a node still fetching an older version when a newer
 * one is offered drops it for the newer one. Versions only move forward.
 *
 * <p>Versions live in native memory (see {@link WeightSnapshot}): the cache holds one handle on
 * the version it has, the transport one while it serves it, and every subscriber one per
 * {@link Update} it is sent, which it closes once loaded or superseded. A replaced version is
 * thus freed as soon as the last of them lets go; bytes that fail their checksum are freed at
 * once and counted ({@link WeightTransferMetrics}).
 */
public final class WeightCache extends AbstractBehavior<WeightCache.Command> {

    public sealed interface Command extends SppoMessage {}

    /**
     * From the learner on this node: a new version to hold and to offer to every other node. The
     * cache takes over the handle.
     *
     * @param step learner step the weights are from
     * @param last the learner's final version: evaluated even if off the evaluation cadence
     */
    public record Publish(WeightSnapshot snapshot, long step, boolean last) implements Command {}

    public record Subscribe(ActorRef<Update> subscriber) implements Command {}

    public record GetLatestVersion(ActorRef<LatestVersion> replyTo) implements Command {}

    /** Peer to peer: a version is served at {@code host:port}; fetch it if it is newer than yours. */
    public record Offer(SnapshotHeader header, long step, boolean last, String host, int port,
            ActorRef<Command> source) implements Command {}

    /** Peer to peer: the peer holds {@code version} or newer already. */
    public record Have(long version, ActorRef<Command> peer) implements Command {}

    /** Peer to peer: the peer fetched {@code version} and its checksum matched. */
    public record Received(long version, ActorRef<Command> peer) implements Command {}

    /** Sent to subscribers: the newest weights, on a handle of the subscriber's own to close once loaded or superseded. */
    public record Update(WeightSnapshot snapshot, long step, boolean last) implements SppoMessage {
        public long version() {
            return snapshot.version();
        }
    }

    /** The highest version this node knows of (held, or offered to it), -1 when none. */
    public record LatestVersion(long version) implements SppoMessage {}

    public record GetStatus(ActorRef<Status> replyTo) implements Command {}

    /**
     * What the cache holds and what went wrong on the way.
     *
     * @param heldVersion the version subscribers have, -1 when none
     * @param highestSeen the highest version held or offered, -1 when none
     * @param fetching the version being fetched, -1 when none
     * @param fetchFailures fetches that broke off (each resumes at the next offer)
     * @param checksumFailures fetched versions discarded because their bytes failed the checksum
     */
    public record Status(long heldVersion, long highestSeen, long fetching, long fetchFailures, long checksumFailures)
            implements SppoMessage {}

    private record PeersChanged(Receptionist.Listing listing) implements Command, LocalOnly {}

    private record Fetched(long version) implements Command, LocalOnly {}

    private record FetchFailed(long version, String reason) implements Command, LocalOnly {}

    private enum Tick implements Command, LocalOnly {
        INSTANCE
    }

    /**
     * @param group caches of one training run find each other under this name; runs sharing a
     *     cluster (or tests sharing a system) use different groups
     * @param stallTimeout an offer not answered with the version received this long is made again
     * @param transport where this node serves the versions it publishes, and how it fetches others'
     */
    public record Settings(String group, Duration stallTimeout, WeightTransport.Settings transport) {
        public static final Settings DEFAULT =
                new Settings("default", Duration.ofSeconds(10), WeightTransport.Settings.LOOPBACK);

        /** The receptionist key of this group's caches. */
        public ServiceKey<Command> key() {
            return ServiceKey.create(Command.class, "sppo4j-weight-cache-" + group);
        }

        public Settings withGroup(String name) {
            return new Settings(name, stallTimeout, transport);
        }
    }

    /** A cache on its own: no other cache of its group is expected (one JVM). */
    public static Behavior<Command> create() {
        return create(Settings.DEFAULT);
    }

    public static Behavior<Command> create(Settings settings) {
        return create(settings, WeightTransferMetrics.unregistered());
    }

    public static Behavior<Command> create(Settings settings, WeightTransferMetrics metrics) {
        return Behaviors.withTimers(timers -> Behaviors.setup(context -> new WeightCache(context, timers, settings, metrics)));
    }

    private final Settings settings;
    private final WeightTransferMetrics metrics;
    private final ServiceKey<Command> key;
    private final Set<ActorRef<Update>> subscribers = new LinkedHashSet<>();
    private final Set<ActorRef<Command>> peers = new LinkedHashSet<>();
    private final Map<ActorRef<Command>, Long> offeredAt = new HashMap<>();
    private WeightTransport transport;
    private Update latest;
    private boolean source;
    private long highestSeen = -1;
    private IncomingVersion<Offer> incoming;
    private long fetchFailures;
    private long checksumFailures;

    private WeightCache(
            ActorContext<Command> context, TimerScheduler<Command> timers, Settings settings, WeightTransferMetrics metrics) {
        super(context);
        context.setLoggerName(WeightCache.class);
        this.settings = settings;
        this.metrics = metrics;
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
                .onMessage(GetStatus.class, this::onGetStatus)
                .onMessage(PeersChanged.class, this::onPeersChanged)
                .onMessage(Offer.class, this::onOffer)
                .onMessage(Have.class, answer -> onAnswered(answer.version(), answer.peer()))
                .onMessage(Received.class, answer -> onAnswered(answer.version(), answer.peer()))
                .onMessage(Fetched.class, this::onFetched)
                .onMessage(FetchFailed.class, this::onFetchFailed)
                .onMessageEquals(Tick.INSTANCE, this::onTick)
                .onSignal(Terminated.class, this::onTerminated)
                .onSignal(PostStop.class, signal -> onStop())
                .build();
    }

    private long heldVersion() {
        return latest == null ? -1 : latest.version();
    }

    /** The transport is opened on first use: a cache alone in its JVM never listens. */
    private WeightTransport transport() {
        if (transport == null) {
            transport = WeightTransport.open(settings.transport());
        }
        return transport;
    }

    private Behavior<Command> onPublish(Publish publish) {
        long version = publish.snapshot().version();
        if (!accepts(version, publish.last())) {
            getContext().getLog().debug("ignoring weights v{}: v{} is already held", version, heldVersion());
            publish.snapshot().close();
            return this;
        }
        // Handed over in memory by the learner that exported it: its checksum is checked where
        // it is loaded (importInto) and by every node that fetches it, not here as well.
        install(new Update(publish.snapshot(), publish.step(), publish.last()));
        source = true;
        offeredAt.clear();
        if (!peers.isEmpty()) {
            transport().serve(publish.snapshot());
            for (ActorRef<Command> peer : peers) {
                offer(peer);
            }
        }
        return this;
    }

    /** A newer version, or the held one newly marked as the last. */
    private boolean accepts(long version, boolean last) {
        long held = heldVersion();
        return version > held || (version == held && last && !latest.last());
    }

    /** Holds {@code update}'s handle (letting the previous version go) and sends each subscriber one of its own. */
    private void install(Update update) {
        Update previous = latest;
        latest = update;
        if (previous != null && previous.snapshot() != update.snapshot()) {
            previous.snapshot().close();
        }
        highestSeen = Math.max(highestSeen, update.version());
        if (incoming != null && incoming.version() <= update.version()) {
            cancelFetch();
        }
        for (ActorRef<Update> subscriber : subscribers) {
            subscriber.tell(handedOut());
        }
    }

    private Update handedOut() {
        return new Update(latest.snapshot().retain(), latest.step(), latest.last());
    }

    private void offer(ActorRef<Command> peer) {
        offeredAt.put(peer, System.nanoTime());
        peer.tell(new Offer(SnapshotHeader.of(latest.snapshot()), latest.step(), latest.last(),
                transport().host(), transport().port(), getContext().getSelf()));
    }

    private Behavior<Command> onSubscribe(Subscribe subscribe) {
        if (subscribers.add(subscribe.subscriber())) {
            getContext().watch(subscribe.subscriber());
        }
        if (latest != null) {
            subscribe.subscriber().tell(handedOut());
        }
        return this;
    }

    private Behavior<Command> onGetLatestVersion(GetLatestVersion request) {
        request.replyTo().tell(new LatestVersion(highestSeen));
        return this;
    }

    private Behavior<Command> onGetStatus(GetStatus request) {
        long fetching = incoming != null && incoming.fetching() ? incoming.version() : -1;
        request.replyTo().tell(new Status(heldVersion(), highestSeen, fetching, fetchFailures, checksumFailures));
        return this;
    }

    private Behavior<Command> onPeersChanged(PeersChanged changed) {
        Set<ActorRef<Command>> current = new LinkedHashSet<>(changed.listing().getServiceInstances(key));
        current.remove(getContext().getSelf());
        boolean first = peers.isEmpty();
        for (ActorRef<Command> peer : current) {
            // A node that joins late is offered the newest version this node is the source of.
            if (!peers.contains(peer) && source && latest != null) {
                if (first) {
                    transport().serve(latest.snapshot());
                    first = false;
                }
                offer(peer);
            }
        }
        peers.clear();
        peers.addAll(current);
        offeredAt.keySet().retainAll(peers);
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
        if (incoming != null && incoming.version() == version && incoming.fetching()) {
            return this; // already on its way
        }
        if (incoming == null || incoming.version() != version) {
            // A newer version replaces an older one still on its way.
            cancelFetch();
            try {
                incoming = new IncomingVersion<>(offer.header(), offer);
            } catch (IllegalArgumentException e) {
                getContext().getLog().error("ignoring the offer of weights v{}: {}", version, e.getMessage());
                return this;
            }
        }
        ActorRef<Command> self = getContext().getSelf();
        incoming.fetch(offer, transport(), offer.host(), offer.port(),
                () -> self.tell(new Fetched(version)),
                reason -> self.tell(new FetchFailed(version, reason)));
        return this;
    }

    private Behavior<Command> onFetched(Fetched fetched) {
        if (incoming == null || incoming.version() != fetched.version()) {
            return this;
        }
        Offer offer = incoming.offer();
        SnapshotAssembly assembly = incoming.complete();
        incoming = null;
        try {
            install(new Update(assembly.snapshot(), offer.step(), offer.last()));
            offer.source().tell(new Received(assembly.version(), getContext().getSelf()));
        } catch (CorruptSnapshotException e) {
            // Damaged on the way: the bytes are freed unused; the source offers again, or a newer version comes.
            checksumFailures++;
            metrics.checksumFailed();
            getContext().getLog().error("weights v{} failed their checksum and were discarded: {}",
                    assembly.version(), e.getMessage());
        } catch (RuntimeException e) {
            assembly.close();
            throw e;
        }
        return this;
    }

    private Behavior<Command> onFetchFailed(FetchFailed failed) {
        if (incoming != null && incoming.version() == failed.version()) {
            fetchFailures++;
            incoming.brokeOff();
            getContext().getLog().info("{}; resuming at the next offer", failed.reason());
        }
        return this;
    }

    private Behavior<Command> onAnswered(long version, ActorRef<Command> peer) {
        if (latest != null && version >= latest.version()) {
            offeredAt.remove(peer);
        }
        return this;
    }

    private Behavior<Command> onTick() {
        long now = System.nanoTime();
        for (Map.Entry<ActorRef<Command>, Long> entry : Map.copyOf(offeredAt).entrySet()) {
            if (now - entry.getValue() > settings.stallTimeout().toNanos()) {
                // Unanswered (a lost message, a failed fetch): offer again; the peer resumes where it stopped.
                offer(entry.getKey());
            }
        }
        return this;
    }

    private void cancelFetch() {
        if (incoming != null) {
            incoming.cancel();
            incoming = null;
        }
    }

    private Behavior<Command> onTerminated(Terminated terminated) {
        subscribers.removeIf(subscriber -> subscriber.equals(terminated.getRef()));
        return this;
    }

    private Behavior<Command> onStop() {
        cancelFetch();
        if (latest != null) {
            latest.snapshot().close();
        }
        if (transport != null) {
            try {
                transport.close();
            } catch (IOException e) {
                getContext().getLog().debug("closing the weight transport: {}", e.toString());
            }
        }
        return this;
    }
}
