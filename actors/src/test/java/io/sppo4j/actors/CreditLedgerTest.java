package io.sppo4j.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sppo4j.actors.data.Credit;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The learner's credits, with workers named by strings: no actor needed. */
class CreditLedgerTest {

    private static List<CreditLedger.Grant<String>> grant(CreditLedger<String, String> ledger, int room, long now) {
        AtomicInteger free = new AtomicInteger(room);
        Deque<String> prompts = new ArrayDeque<>(List.of("a", "b", "c", "d", "e", "f", "g", "h"));
        return ledger.grant(free::get, () -> {
            free.decrementAndGet();
            return prompts.poll();
        }, now);
    }

    @Test
    void requestsAreGrantedInTheirOrderAsFarAsTheRoomGoes() {
        CreditLedger<String, String> ledger = new CreditLedger<>(1);
        ledger.request("w1", 3);
        ledger.request("w2", 3);
        ledger.request("w3", 1);
        List<CreditLedger.Grant<String>> grants = grant(ledger, 4, 0);
        assertEquals(2, grants.size());
        assertEquals("w1", grants.get(0).worker());
        assertEquals(List.of("a", "b", "c"), grants.get(0).credits().stream().map(Credit::prompt).toList());
        assertEquals("w2", grants.get(1).worker());
        assertEquals(1, grants.get(1).credits().size(), "a partial grant answers the request");
        assertEquals(4, ledger.inFlight());
        assertEquals("w3", grant(ledger, 1, 0).get(0).worker(), "w3 still waits; w2's request is answered");
        assertTrue(grant(ledger, 5, 0).isEmpty(), "nobody waits any more");
    }

    @Test
    void creditsAreSettledOnceAndTakenBackFromStoppedWorkersAndAfterTheTimeOut() {
        CreditLedger<String, String> ledger = new CreditLedger<>(1);
        ledger.request("w1", 2);
        List<Credit> early = grant(ledger, 2, 0).get(0).credits();
        ledger.request("w2", 2);
        List<Credit> late = grant(ledger, 2, 5_000_000_000L).get(0).credits();
        assertEquals("a", ledger.settle(early.get(0).id()).orElseThrow().prompt());
        assertTrue(ledger.settle(early.get(0).id()).isEmpty(), "settled once");
        // At 7 s with a 3 s time-out: w1's credit (granted at 0) is taken back, w2's (at 5 s) are not.
        List<CreditLedger.Lease<String, String>> expired = ledger.reclaimExpired(7_000_000_000L, Duration.ofSeconds(3));
        assertEquals(List.of(early.get(1).id()), expired.stream().map(CreditLedger.Lease::id).toList());
        assertEquals(2, ledger.inFlight());
        ledger.request("w2", 1);
        assertEquals(List.of(late.get(0).id(), late.get(1).id()),
                ledger.reclaimFrom("w2").stream().map(CreditLedger.Lease::id).toList());
        assertEquals(0, ledger.inFlight());
        assertTrue(grant(ledger, 3, 0).isEmpty(), "a stopped worker's request is forgotten");
    }

    @Test
    void aCreditWhoseGroupAJudgeHasIsTheJudgesToGiveBack() {
        CreditLedger<String, String> ledger = new CreditLedger<>(1);
        ledger.request("w", 3);
        List<Credit> credits = grant(ledger, 3, 0).get(0).credits();
        assertTrue(ledger.judgedBy(credits.get(0).id(), "j1"));
        assertTrue(ledger.judgedBy(credits.get(1).id(), "j2"));
        // The worker stops: only the credit still with it comes back; the judges answer theirs.
        assertEquals(List.of(credits.get(2).id()), ledger.reclaimFrom("w").stream().map(CreditLedger.Lease::id).toList());
        assertEquals(List.of(credits.get(0).id()), ledger.reclaimFromJudge("j1").stream().map(CreditLedger.Lease::id).toList());
        assertEquals("j2", ledger.settle(credits.get(1).id()).orElseThrow().judge());
        assertFalse(ledger.judgedBy(credits.get(1).id(), "j3"), "an answered credit is nobody's");
        assertTrue(ledger.reclaimFromJudge("j3").isEmpty());
        assertEquals(0, ledger.inFlight());
    }

    @Test
    void creditIdsOfAnotherIncarnationNeverSettleThisOnesCredits() {
        CreditLedger<String, String> earlier = new CreditLedger<>(1);
        CreditLedger<String, String> current = new CreditLedger<>(2);
        earlier.request("w", 1);
        current.request("w", 1);
        long stale = grant(earlier, 1, 0).get(0).credits().get(0).id();
        long fresh = grant(current, 1, 0).get(0).credits().get(0).id();
        assertNotEquals(stale, fresh);
        assertTrue(current.settle(stale).isEmpty());
        assertEquals(1, current.inFlight());
    }
}
