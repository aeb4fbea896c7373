package io.sppo4j.actors;

import io.sppo4j.actors.data.Credit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * The learner's credits: workers' requests waiting for room, and credits handed out and not yet
 * answered by a judged group.
 *
 * <p>Credit ids carry a per-incarnation prefix, so a group sampled for a previous learner (one
 * that crashed) can never settle a credit the new learner issued.
 *
 * @param <W> how a worker is addressed (an actor reference in the learner)
 */
final class CreditLedger<W> {

    /** An outstanding credit: who holds it, for which prompt, since when. */
    record Lease<W>(long id, String prompt, W worker, long grantedAtNanos) {}

    /** Credits granted to one worker at once. */
    record Grant<W>(W worker, List<Credit> credits) {}

    private final long idPrefix;
    private final Map<Long, Lease<W>> outstanding = new LinkedHashMap<>();
    private final Map<W, Integer> waiting = new LinkedHashMap<>();
    private long serial;

    /** @param incarnation distinguishes this learner's credits from any earlier learner's */
    CreditLedger(long incarnation) {
        this.idPrefix = (incarnation & 0xFFFFFL) << 40;
    }

    /** A worker asks for up to {@code wanted} credits; it replaces the worker's earlier request. */
    void request(W worker, int wanted) {
        waiting.put(worker, wanted);
    }

    /**
     * Grants waiting requests in the order they came, each as far as {@code room} (asked again
     * before every grant) allows; a request granted even in part is answered and leaves the queue.
     */
    List<Grant<W>> grant(IntSupplier room, Supplier<String> prompts, long nowNanos) {
        List<Grant<W>> grants = new ArrayList<>();
        for (Iterator<Map.Entry<W, Integer>> it = waiting.entrySet().iterator(); it.hasNext(); ) {
            int free = room.getAsInt();
            if (free <= 0) {
                break;
            }
            Map.Entry<W, Integer> request = it.next();
            int count = Math.min(free, request.getValue());
            List<Credit> credits = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                credits.add(issue(request.getKey(), prompts.get(), nowNanos));
            }
            grants.add(new Grant<>(request.getKey(), credits));
            it.remove();
        }
        return grants;
    }

    /** Forgets every waiting request (the run is over). */
    void dropRequests() {
        waiting.clear();
    }

    private Credit issue(W worker, String prompt, long nowNanos) {
        long id = idPrefix | (serial++ & ((1L << 40) - 1));
        outstanding.put(id, new Lease<>(id, prompt, worker, nowNanos));
        return new Credit(id, prompt);
    }

    /** Closes a credit; empty if it is unknown (reclaimed, or from another incarnation). */
    Optional<Lease<W>> settle(long id) {
        return Optional.ofNullable(outstanding.remove(id));
    }

    /** Takes back every credit a worker holds and forgets its request (it stopped). */
    List<Lease<W>> reclaimFrom(W worker) {
        waiting.remove(worker);
        List<Lease<W>> reclaimed = new ArrayList<>();
        for (Iterator<Lease<W>> it = outstanding.values().iterator(); it.hasNext(); ) {
            Lease<W> lease = it.next();
            if (lease.worker().equals(worker)) {
                reclaimed.add(lease);
                it.remove();
            }
        }
        return reclaimed;
    }

    /** Takes back credits outstanding longer than {@code timeout}: their group was lost on the way. */
    List<Lease<W>> reclaimExpired(long nowNanos, Duration timeout) {
        List<Lease<W>> reclaimed = new ArrayList<>();
        long limit = timeout.toNanos();
        for (Iterator<Lease<W>> it = outstanding.values().iterator(); it.hasNext(); ) {
            Lease<W> lease = it.next();
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
