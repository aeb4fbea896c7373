package io.sppo4j.cluster.node;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * When a node's process may end. Normally once its ActorSystem has terminated. But a node
 * downed on the far side of a network partition can wait many minutes there: remoting flushes
 * to peers whose packets now vanish, and TCP takes its time to give up. Such a node has left
 * the cluster and stopped its actors once coordinated shutdown has run its phases (each within
 * its timeout), so after that and a short grace it exits anyway, and its supervisor (Kubernetes)
 * can restart it as a fresh member.
 */
public final class NodeExit {

    /** How long termination may go on after coordinated shutdown has run. */
    static final Duration GRACE = Duration.ofSeconds(10);

    private NodeExit() {}

    /** Returns when the node's process may exit; true if its ActorSystem terminated fully. */
    public static boolean awaitEnd(ActorSystem<?> system) throws InterruptedException {
        CompletableFuture<?> terminated = system.getWhenTerminated().toCompletableFuture();
        CoordinatedShutdown shutdown = CoordinatedShutdown.get(system.classicSystem());
        while (true) {
            if (done(terminated, Duration.ofSeconds(1))) {
                return true;
            }
            Optional<CoordinatedShutdown.Reason> reason = shutdown.getShutdownReason();
            if (reason.isPresent()) {
                // The same run as the one under way: it completes when its last phase has run or timed out.
                done(shutdown.runAll(reason.get()).toCompletableFuture(), Duration.ofDays(1));
                if (done(terminated, GRACE)) {
                    return true;
                }
                system.log().warn("the node left the cluster ({}), but its ActorSystem has not finished terminating"
                        + " {} s later (remoting still flushing to unreachable peers); exiting anyway", reason.get(),
                        GRACE.toSeconds());
                return false;
            }
        }
    }

    private static boolean done(CompletableFuture<?> future, Duration timeout) throws InterruptedException {
        try {
            future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            return true; // ended, if not well: nothing left to wait for
        }
    }
}
