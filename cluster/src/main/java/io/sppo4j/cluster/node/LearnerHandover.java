package io.sppo4j.cluster.node;

import com.typesafe.config.Config;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.cluster.typed.ClusterSingletonSettings;
import org.apache.pekko.coordination.lease.LeaseUsageSettings;
import scala.concurrent.duration.FiniteDuration;

/**
 * How the learner singleton moves when its node is lost, and what keeps two learners from ever
 * running at once ({@code sppo4j.cluster.learner-handover}). The failure detector notices the
 * lost node, the Split Brain Resolver waits {@code stable-after} and downs it, and the standby
 * starts the learner once it holds the checkpoint directory's lease ({@link LearnerLease}).
 * Pekko's own guard, a removal margin as long as {@code stable-after}, waits on the clock for the
 * other side of a partition to have stopped; with the lease the standby waits for exactly that
 * (the lease released, or silent for its timeout), so the margin can be short.
 *
 * @param removalMargin the learner singleton's wait after the lost node's removal
 * @param leased whether the learner starts only under the checkpoint directory's lease
 * @param leaseRetry how often a standby that is oldest asks for the lease again
 */
public record LearnerHandover(Duration removalMargin, boolean leased, Duration leaseRetry) {

    /** In-process tests and benchmarks without a checkpoint directory: Pekko's default margin, no lease. */
    public static final LearnerHandover UNLEASED = new LearnerHandover(null, false, Duration.ZERO);

    private static final String KEY = "sppo4j.cluster.learner-handover";

    /**
     * @param checkpoints whether the node has a checkpoint directory (the lease lives there)
     */
    public static LearnerHandover from(Config settings, boolean checkpoints) {
        Config handover = settings.getConfig(KEY);
        if (!checkpoints) {
            return UNLEASED; // nowhere to keep a lease: Pekko's margin, as long as stable-after
        }
        boolean leased = handover.getBoolean("lease.enabled");
        Duration margin = handover.getDuration("removal-margin");
        if (!leased && margin.compareTo(settings.getDuration("sppo4j.cluster.stable-after")) < 0) {
            // Without the lease only the margin keeps the old learner's side from still running.
            throw new IllegalArgumentException(KEY + ".removal-margin (" + margin.toMillis() + " ms) is shorter than"
                    + " sppo4j.cluster.stable-after while " + KEY + ".lease is off: two learners could run at once");
        }
        return new LearnerHandover(margin, leased, handover.getDuration("lease.retry-interval"));
    }

    /**
     * Adds the failure detector's and the resolver's timing and the lease's settings to a node's
     * Pekko configuration.
     */
    static void configure(Config settings, Map<String, Object> pekko) {
        Config detector = settings.getConfig("sppo4j.cluster.failure-detector");
        pekko.put("pekko.cluster.failure-detector.heartbeat-interval", millis(detector.getDuration("heartbeat-interval")));
        pekko.put("pekko.cluster.failure-detector.acceptable-heartbeat-pause",
                millis(detector.getDuration("acceptable-heartbeat-pause")));
        pekko.put("pekko.cluster.split-brain-resolver.stable-after", millis(settings.getDuration("sppo4j.cluster.stable-after")));
        Config lease = settings.getConfig(KEY + ".lease");
        String path = LearnerLease.CONFIG_PATH + ".";
        pekko.put(path + "lease-class", LearnerLease.class.getName());
        pekko.put(path + "directory", settings.getString("sppo4j.node.checkpoints"));
        pekko.put(path + "heartbeat-interval", millis(lease.getDuration("heartbeat-interval")));
        pekko.put(path + "heartbeat-timeout", millis(lease.getDuration("heartbeat-timeout")));
        pekko.put(path + "lease-operation-timeout", millis(lease.getDuration("operation-timeout")));
    }

    /** The learner singleton's settings: its removal margin and, when leased, its lease. */
    public ClusterSingletonSettings apply(ClusterSingletonSettings singleton) {
        ClusterSingletonSettings result = removalMargin == null ? singleton : singleton.withRemovalMargin(removalMargin);
        if (leased) {
            result = result.withLeaseSettings(new LeaseUsageSettings(LearnerLease.CONFIG_PATH,
                    FiniteDuration.create(leaseRetry.toMillis(), TimeUnit.MILLISECONDS)));
        }
        return result;
    }

    private static String millis(Duration duration) {
        return duration.toMillis() + "ms";
    }
}
