package io.sppo4j.actors;

import io.sppo4j.actors.data.Credit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The learner's record of credits handed out and not yet returned as judged groups.
 *
 * <p>Credit ids carry a per-incarnation prefix, so a group sampled for a previous learner (one
 * that crashed) can never settle a credit the new learner issued.
 */
final class CreditLedger {

    /** An outstanding credit: who holds it, for which prompt, since when. */
    record Lease(long id, String prompt, ActorRef<RolloutWorker.Command> worker, long grantedAtNanos) {}

    private final long idPrefix;
    private final Map<Long, Lease> outstanding = new LinkedHashMap<>();
    private long serial;

    /** @param incarnation distinguishes this learner's credits from any earlier learner's */
    CreditLedger(long incarnation) {
        this.idPrefix = (incarnation & 0xFFFFFL) << 40;
    }

    Credit issue(ActorRef<RolloutWorker.Command> worker, String prompt, long nowNanos) {
        long id = idPrefix | (serial++ & ((1L << 40) - 1));
        outstanding.put(id, new Lease(id, prompt, worker, nowNanos));
        return new Credit(id, prompt);
    }

    /** Closes a credit; empty if it is unknown (reclaimed, or from another incarnation). */
    Optional<Lease> settle(long id) {
        return Optional.ofNullable(outstanding.remove(id));
    }

    /** Takes back every credit a worker holds (it stopped). */
    List<Lease> reclaimFrom(ActorRef<?> worker) {
        List<Lease> reclaimed = new ArrayList<>();
        for (Iterator<Lease> it = outstanding.values().iterator(); it.hasNext(); ) {
            Lease lease = it.next();
            if (lease.worker().equals(worker)) {
                reclaimed.add(lease);
                it.remove();
            }
        }
        return reclaimed;
    }

    /** Takes back credits outstanding longer than {@code timeout}: their group was lost on the way. */
    List<Lease> reclaimExpired(long nowNanos, Duration timeout) {
        List<Lease> reclaimed = new ArrayList<>();
        long limit = timeout.toNanos();
        for (Iterator<Lease> it = outstanding.values().iterator(); it.hasNext(); ) {
            Lease lease = it.next();
            if (nowNanos - lease.grantedAtNanos() > limit) {
                reclaimed.add(lease);
                it.remove();
            }
        }
        return reclaimed;
    }

    int inFlight() {
        return outstanding.size();
    }
}
