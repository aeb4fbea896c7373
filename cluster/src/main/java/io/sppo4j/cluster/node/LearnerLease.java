package io.sppo4j.cluster.node;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.coordination.lease.LeaseException;
import org.apache.pekko.coordination.lease.LeaseSettings;
import org.apache.pekko.coordination.lease.javadsl.Lease;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The learner singleton's lease (Pekko's lease SPI, {@code use-lease} of the singleton): the
 * learner starts only once its node holds the shared checkpoint directory's {@link
 * CheckpointFence}, and is stopped when another node has taken it over. So two learners never
 * train at once, however the cluster is cut: the old learner's lease must be released (a
 * graceful stop, or the minority side downing itself) or silent for {@code heartbeat-timeout}
 * (a crash) before a new learner starts; a learner frozen past that is refused its next
 * checkpoint and stopped.
 *
 * <p>The node observes the lease from its start, so on taking over it already knows, by its own
 * clock, how long the holder has been silent: a crashed learner's successor does not wait a
 * further timeout once the Split Brain Resolver has removed the crashed node.
 */
public final class LearnerLease extends Lease {

    /** Where the node configuration puts this lease's settings (lease-class, directory, timings). */
    public static final String CONFIG_PATH = "sppo4j-learner-lease";

    private static final Logger LOG = LoggerFactory.getLogger(LearnerLease.class);

    private final LeaseSettings settings;
    private final CheckpointFence fence;
    /** The owner Pekko names (host:port) and this incarnation: a restarted node is another owner. */
    private final String owner;
    private final Duration interval;
    private final Duration timeout;
    private final ScheduledExecutorService executor;

    public LearnerLease(LeaseSettings settings, ExtendedActorSystem system) {
        this.settings = settings;
        this.fence = CheckpointFence.forDirectory(Path.of(settings.leaseConfig().getString("directory")));
        this.owner = settings.ownerName() + "#" + Long.toHexString(ThreadLocalRandom.current().nextLong());
        this.interval = settings.timeoutSettings().getHeartbeatInterval();
        this.timeout = settings.timeoutSettings().getHeartbeatTimeout();
        this.executor = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "sppo4j-learner-lease");
            thread.setDaemon(true);
            return thread;
        });
        // Watch the holder's heartbeat from the start (and beat once holding).
        executor.scheduleWithFixedDelay(this::tick, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
        system.registerOnTermination(executor::shutdownNow);
    }

    @Override
    public LeaseSettings getSettings() {
        return settings;
    }

    @Override
    public CompletionStage<Boolean> acquire() {
        return acquire(lost -> {});
    }

    @Override
    public CompletionStage<Boolean> acquire(Consumer<Optional<Throwable>> leaseLostCallback) {
        return onExecutor(() -> fence.tryAcquire(owner, timeout, () -> leaseLostCallback.accept(Optional.of(
                new LeaseException("another learner took over " + fence.directory())))));
    }

    @Override
    public CompletionStage<Boolean> release() {
        return onExecutor(() -> fence.release(owner));
    }

    @Override
    public boolean checkLease() {
        return fence.holds(owner, timeout);
    }

    private void tick() {
        try {
            if (fence.heldBy(owner)) {
                fence.beat();
            } else {
                fence.observe();
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("checkpoint directory lease of {}: {}", fence.directory(), e.toString());
        }
        // A holder that could not beat for the timeout must assume that a successor took over.
        if (fence.heldBy(owner) && !fence.holds(owner, timeout)) {
            fence.abandon(owner, "no heartbeat reached " + fence.directory() + " for " + timeout.toMillis() + " ms");
        }
    }

    @FunctionalInterface
    private interface Operation {
        boolean run() throws IOException;
    }

    /** Runs a blocking file operation off Pekko's threads, failing it after the operation timeout. */
    private CompletionStage<Boolean> onExecutor(Operation operation) {
        CompletableFuture<Boolean> result = new CompletableFuture<>();
        executor.execute(() -> {
            try {
                result.complete(operation.run());
            } catch (IOException | RuntimeException e) {
                result.completeExceptionally(new LeaseException(e.getMessage()));
            }
        });
        return result.orTimeout(settings.timeoutSettings().getOperationTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }
}
