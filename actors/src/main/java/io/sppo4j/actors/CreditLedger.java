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
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The learner's credits: workers' requests waiting for room, and credits handed out and not yet
 * answered by a judged group.
 *
 * <p>A credit is held by the worker it was granted to until a judge says it has the credit's
 * group; from then on by that judge. Whoever holds it, if it stops (or its node is removed from
 * the cluster), the credit is taken back at once rather than when it times out.
 *
 * <p>Credit ids carry a per-incarnation prefix, so a group sampled for a previous learner (one
 * that crashed) can never settle a credit the new learner issued.
 *
 * @param <W> how a worker is addressed (an actor reference in the learner)
 * @param <J> how a judge is addressed
 */
final class CreditLedger<W, J> {

    /** An outstanding credit: for which prompt, granted to which worker when, and the judge that has its group (or null). */
    record Lease<W, J>(long id, String prompt, W worker, J judge, long grantedAtNanos) {

        Lease<W, J> judgedBy(J newJudge) {
            return new Lease<>(id, prompt, worker, newJudge, grantedAtNanos);
        }
    }

    /** Credits granted to one worker at once. */
    record Grant<W>(W worker, List<Credit> credits) {}

    private final long idPrefix;
    private final Map<Long, Lease<W, J>> outstanding = new LinkedHashMap<>();
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
        outstanding.put(id, new Lease<>(id, prompt, worker, null, nowNanos));
        return new Credit(id, prompt);
    }

    /** Closes a credit; empty if it is unknown (reclaimed, or from another incarnation). */
    Optional<Lease<W, J>> settle(long id) {
        return Optional.ofNullable(outstanding.remove(id));
    }

    /**
     * A judge has the credit's group: the credit is the judge's now.
     *
     * @return whether the credit is outstanding (a group already answered or taken back is not)
     */
    boolean judgedBy(long id, J judge) {
        return outstanding.computeIfPresent(id, (key, lease) -> lease.judgedBy(judge)) != null;
    }

    /**
     * Takes back every credit a worker holds and forgets its request (it stopped). A credit whose
     * group a judge already has stays out: the judge still answers it.
     */
    List<Lease<W, J>> reclaimFrom(W worker) {
        waiting.remove(worker);
        return reclaimWhere(lease -> lease.judge() == null && lease.worker().equals(worker));
    }

    /** Takes back every credit whose group a judge had when it stopped. */
    List<Lease<W, J>> reclaimFromJudge(J judge) {
        return reclaimWhere(lease -> judge.equals(lease.judge()));
    }

    /** Takes back credits outstanding longer than {@code timeout}: their group was lost on the way. */
    List<Lease<W, J>> reclaimExpired(long nowNanos, Duration timeout) {
        long limit = timeout.toNanos();
        return reclaimWhere(lease -> nowNanos - lease.grantedAtNanos() > limit);
    }

    private List<Lease<W, J>> reclaimWhere(Predicate<Lease<W, J>> taken) {
        List<Lease<W, J>> reclaimed = new ArrayList<>();
        for (Iterator<Lease<W, J>> it = outstanding.values().iterator(); it.hasNext(); ) {
            Lease<W, J> lease = it.next();
            if (taken.test(lease)) {
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
