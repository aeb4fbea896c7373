package io.sppo4j.cluster.node;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.cluster.Cluster;
import org.apache.pekko.cluster.MemberStatus;

/**
 * The readiness check behind the management endpoint's {@code /ready}: a node is ready once it is
 * an Up (or weakly Up) member, and stops being ready when it leaves, so Kubernetes sends no
 * traffic to, and counts no availability for, a node outside the cluster. Pekko Management
 * creates it by reflection with the node's ActorSystem.
 */
public final class MembershipReadiness implements Supplier<CompletionStage<Boolean>> {

    private final Cluster cluster;

    public MembershipReadiness(ActorSystem system) {
        this.cluster = Cluster.get(system);
    }

    @Override
    public CompletionStage<Boolean> get() {
        MemberStatus status = cluster.selfMember().status();
        return CompletableFuture.completedFuture(status == MemberStatus.up() || status == MemberStatus.weaklyUp());
    }
}
