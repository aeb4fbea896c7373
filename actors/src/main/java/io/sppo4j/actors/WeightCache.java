package io.sppo4j.actors;

import io.sppo4j.model.weights.WeightSnapshot;

import java.util.LinkedHashSet;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * A node's copy of the newest weights. The learner publishes each version once per node;
 * every subscriber on the node (rollout workers, the evaluator) gets it from here. Versions only
 * move forward: an older or repeated version is ignored, so no subscriber ever goes back.
 */
public final class WeightCache extends AbstractBehavior<WeightCache.Command> {

    public sealed interface Command extends SppoMessage {}

    /**
     * @param step learner step the weights are from
     * @param last the learner's final version: evaluated even if off the evaluation cadence
     */
    public record Publish(WeightSnapshot snapshot, long step, boolean last) implements Command {}

    public record Subscribe(ActorRef<Update> subscriber) implements Command {}

    public record GetLatestVersion(ActorRef<LatestVersion> replyTo) implements Command {}

    /** Sent to subscribers: the newest weights. */
    public record Update(WeightSnapshot snapshot, long step, boolean last) implements SppoMessage {
        public long version() {
            return snapshot.version();
        }
    }

    /** The newest version held, or -1 when nothing was published yet. */
    public record LatestVersion(long version) implements SppoMessage {}

    public static Behavior<Command> create() {
        return Behaviors.setup(WeightCache::new);
    }

    private final Set<ActorRef<Update>> subscribers = new LinkedHashSet<>();
    private Update latest;

    private WeightCache(ActorContext<Command> context) {
        super(context);
        context.setLoggerName(WeightCache.class);
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Publish.class, this::onPublish)
                .onMessage(Subscribe.class, this::onSubscribe)
                .onMessage(GetLatestVersion.class, this::onGetLatestVersion)
                .onSignal(Terminated.class, this::onTerminated)
                .build();
    }

    private Behavior<Command> onPublish(Publish publish) {
        long version = publish.snapshot().version();
        long held = latest == null ? -1 : latest.version();
        boolean lastOfHeld = version == held && publish.last() && !latest.last();
        if (version <= held && !lastOfHeld) {
            getContext().getLog().debug("ignoring weights v{}: v{} is already held", version, held);
            return this;
        }
        // A checksum failure here means the bytes were damaged after export; refuse them whole.
        publish.snapshot().verify();
        latest = new Update(publish.snapshot(), publish.step(), publish.last());
        for (ActorRef<Update> subscriber : subscribers) {
            subscriber.tell(latest);
        }
        return this;
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
        request.replyTo().tell(new LatestVersion(latest == null ? -1 : latest.version()));
        return this;
    }

    private Behavior<Command> onTerminated(Terminated terminated) {
        subscribers.removeIf(subscriber -> subscriber.equals(terminated.getRef()));
        return this;
    }
}
