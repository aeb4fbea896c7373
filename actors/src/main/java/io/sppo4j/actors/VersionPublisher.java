package io.sppo4j.actors;

import io.sppo4j.actors.metrics.LearnerMetrics;
import io.sppo4j.model.weights.TensorEncoding;

import org.apache.pekko.actor.typed.ActorRef;

/**
 * The learner's weight versions: which number the current weights go out under, and handing
 * them to the node's weight cache. A version names one set of weights: steps since the last
 * publish make the next one a new number, and publishing again without a step reuses it (to
 * mark it the last).
 */
final class VersionPublisher {

    private final ActorRef<WeightCache.Command> weightCache;
    private final ActorRef<Monitor.Command> monitor;
    private final TensorEncoding encoding;
    private final LearnerMetrics metrics;
    private long version;
    private boolean publishedSinceStep = true;
    private boolean publishedLast;

    VersionPublisher(
            ActorRef<WeightCache.Command> weightCache, ActorRef<Monitor.Command> monitor, TensorEncoding encoding,
            LearnerMetrics metrics) {
        this.weightCache = weightCache;
        this.monitor = monitor;
        this.encoding = encoding;
        this.metrics = metrics;
    }

    /** The version of the weights as they are now (of the last publish, or the checkpoint's). */
    long version() {
        return version;
    }

    /** The checkpoint's version, whose weights the learner resumed with. */
    void resumeAt(long resumed) {
        version = resumed;
    }

    /** Another learner published up to {@code cached}: the weights go out above it; true when that moved the version. */
    boolean continueAbove(long cached) {
        if (cached <= version) {
            return false;
        }
        version = cached + 1;
        return true;
    }

    /** The weights changed: the next publish is a new version. */
    void stepped() {
        publishedSinceStep = false;
    }

    boolean publishedLast() {
        return publishedLast;
    }

    /** Exports and publishes the weights; a new version unless nothing changed since the last one. */
    void publish(LearnerPolicy policy, long step, boolean last) {
        long started = System.nanoTime();
        if (!publishedSinceStep) {
            version++;
        }
        weightCache.tell(new WeightCache.Publish(policy.export(version, encoding), step, last));
        long published = version;
        policy.distribution(published).ifPresent(distributions -> monitor.tell(
                new Monitor.PolicyDistribution(published, distributions.last(), distributions.average())));
        publishedSinceStep = true;
        publishedLast |= last;
        metrics.published(version, (System.nanoTime() - started) / 1e9);
    }
}
