package io.sppo4j.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sppo4j.actors.data.SnapshotHeader;
import io.sppo4j.actors.weights.WeightTransport;
import io.sppo4j.model.weights.TensorSpec;
import io.sppo4j.model.weights.WeightSnapshot;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/** Node caches distributing weights among themselves over real sockets (one system, real messages). */
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WeightCacheTest {

    @JUnit5TestKit
    ActorTestKit testKit = new JUnit5TestKitBuilder().withCustomConfig(ActorFixtures.serializingConfig()).build();

    private Duration patience(long seconds) {
        return ActorFixtures.patience(testKit.system(), seconds);
    }

    /** A group of its own; offers unanswered for 2 s are made again. */
    private static WeightCache.Settings settings() {
        return new WeightCache.Settings(UUID.randomUUID().toString(), Duration.ofSeconds(2), WeightTransport.Settings.LOOPBACK);
    }

    private ActorRef<WeightCache.Command> cache(WeightCache.Settings settings, TestProbe<WeightCache.Update> subscriber) {
        ActorRef<WeightCache.Command> cache = testKit.spawn(WeightCache.create(settings));
        cache.tell(new WeightCache.Subscribe(subscriber.ref()));
        return cache;
    }

    @Test
    void aPublishedVersionReachesEveryNodeIncludingOneThatJoinsLate() {
        WeightCache.Settings settings = settings();
        TestProbe<WeightCache.Update> nearLearner = testKit.createTestProbe();
        TestProbe<WeightCache.Update> remoteA = testKit.createTestProbe();
        TestProbe<WeightCache.Update> remoteB = testKit.createTestProbe();
        ActorRef<WeightCache.Command> source = cache(settings, nearLearner);
        cache(settings, remoteA);
        cache(settings, remoteB);
        awaitPeers(source, settings, 3);
        WeightSnapshot snapshot = ActorFixtures.weights(5, 1);
        source.tell(new WeightCache.Publish(snapshot, 10, false));
        assertEquals(snapshot, nearLearner.receiveMessage(patience(30)).snapshot());
        for (TestProbe<WeightCache.Update> remote : List.of(remoteA, remoteB)) {
            WeightCache.Update update = remote.receiveMessage(patience(30));
            assertEquals(snapshot, update.snapshot(), "bit-exact weights on every node");
            assertEquals(10, update.step());
        }
        TestProbe<WeightCache.Update> late = testKit.createTestProbe();
        cache(settings, late);
        assertEquals(1, late.receiveMessage(patience(30)).version(), "a late node gets the newest version");
    }

    @Test
    void nodesJumpToTheNewestVersionAndNeverGoBack() {
        WeightCache.Settings settings = settings();
        TestProbe<WeightCache.Update> local = testKit.createTestProbe();
        TestProbe<WeightCache.Update> remote = testKit.createTestProbe();
        ActorRef<WeightCache.Command> source = cache(settings, local);
        cache(settings, remote);
        awaitPeers(source, settings, 2);
        for (long version = 1; version <= 6; version++) {
            source.tell(new WeightCache.Publish(ActorFixtures.weights(version, version), version, version == 6));
        }
        source.tell(new WeightCache.Publish(ActorFixtures.weights(3, 3), 3, false)); // older: ignored
        List<Long> seen = new ArrayList<>();
        remote.awaitAssert(patience(30), () -> {
            seen.add(remote.receiveMessage(patience(5)).version());
            assertEquals(6L, (long) seen.get(seen.size() - 1));
            return null;
        });
        for (int i = 1; i < seen.size(); i++) {
            assertTrue(seen.get(i) > seen.get(i - 1), "versions only move forward: " + seen);
        }
        TestProbe<WeightCache.LatestVersion> latest = testKit.createTestProbe();
        source.tell(new WeightCache.GetLatestVersion(latest.ref()));
        assertEquals(6, latest.receiveMessage(patience(30)).version());
    }

    @Test
    void damagedWeightsAreRefusedCountedAndTheNextOfferRecovers() throws Exception {
        Receiver receiver = new Receiver();
        WeightSnapshot snapshot = ActorFixtures.weights(7, 4);
        SnapshotHeader header = SnapshotHeader.of(snapshot);
        SnapshotHeader wrongChecksum = new SnapshotHeader(4, header.encoding(), header.checksum() ^ 1, header.tensors());
        try (WeightTransport server = new WeightTransport(WeightTransport.Settings.LOOPBACK)) {
            server.serve(snapshot);
            receiver.offer(wrongChecksum, server.host(), server.port());
            WeightCache.Status refused = receiver.awaitStatus(status -> status.checksumFailures() == 1, "the checksum failure");
            assertEquals(-1, refused.heldVersion(), "the damaged bytes are not used");
            assertEquals(-1, refused.fetching());
            assertEquals(4, refused.highestSeen(), "the offer is remembered");

            receiver.offer(header, server.host(), server.port());
            receiver.awaitInstalled(snapshot);
            assertEquals(new WeightCache.Status(4, 4, -1, 0, 1), receiver.status());
        }
    }

    @Test
    void aBrokenFetchResumesFromTheBytesAlreadyReceivedAtTheNextOffer() throws Exception {
        Receiver receiver = new Receiver();
        WeightSnapshot snapshot = ActorFixtures.weights(7, 4);
        SnapshotHeader header = SnapshotHeader.of(snapshot);
        // Cut the first transfer halfway through a tensor in the middle: the bytes up to the cut arrived.
        List<TensorSpec> tensors = header.tensors();
        long prefix = 0;
        for (TensorSpec tensor : tensors.subList(0, tensors.size() / 2)) {
            prefix += tensor.byteSize();
        }
        long cut = prefix + tensors.get(tensors.size() / 2).byteSize() / 2;
        try (WeightTransport server = new WeightTransport(WeightTransport.Settings.LOOPBACK);
                FaultyLink link = new FaultyLink(server.host(), server.port(), List.of(FaultyLink.Fault.cutAfter(cut)))) {
            server.serve(snapshot);
            receiver.offer(header, link.host(), link.port());
            WeightCache.Status broken = receiver.awaitStatus(status -> status.fetchFailures() == 1, "the broken fetch");
            assertEquals(-1, broken.heldVersion());
            assertEquals(-1, broken.fetching(), "nothing fetches until the next offer");

            receiver.offer(header, link.host(), link.port());
            receiver.awaitInstalled(snapshot);
            long resent = link.connections().get(1).answerBytes.get();
            // Resumed from the exact byte, not from the start of the tensor that was cut.
            long overhead = resent - (header.totalBytes() - cut);
            assertTrue(overhead >= 0 && overhead < 64,
                    "the second transfer carried only the bytes after the " + cut + " received: " + resent + " of "
                            + header.totalBytes());
        }
    }

    @Test
    void aNewerOfferCancelsTheFetchStillUnderWay() throws Exception {
        Receiver receiver = new Receiver();
        WeightSnapshot older = ActorFixtures.weights(7, 4);
        WeightSnapshot newer = ActorFixtures.weights(8, 5);
        try (WeightTransport oldServer = new WeightTransport(WeightTransport.Settings.LOOPBACK);
                WeightTransport newServer = new WeightTransport(WeightTransport.Settings.LOOPBACK);
                FaultyLink stalled = new FaultyLink(oldServer.host(), oldServer.port(), List.of(FaultyLink.Fault.STALL))) {
            oldServer.serve(older);
            newServer.serve(newer);
            receiver.offer(SnapshotHeader.of(older), stalled.host(), stalled.port());
            receiver.awaitStatus(status -> status.fetching() == 4, "the fetch of v4 under way");
            // The fetch counts as under way before its connection reaches the link: wait for that too.
            testKit.createTestProbe().awaitAssert(patience(30), () -> {
                assertEquals(1, stalled.connections().size(), "the v4 fetch's connection");
                return null;
            });

            receiver.offer(SnapshotHeader.of(newer), newServer.host(), newServer.port());
            receiver.awaitInstalled(newer);
            assertTrue(stalled.connections().get(0).awaitClientGone(patience(30)), "the v4 fetch's connection was closed");
            assertEquals(new WeightCache.Status(5, 5, -1, 0, 0), receiver.status(), "a cancelled fetch is no failure");
        }
    }

    @Test
    void anOfferNobodyAnswersIsMadeAgainAfterTheStallTimeOut() {
        WeightCache.Settings settings = settings();
        ActorRef<WeightCache.Command> source = cache(settings, testKit.createTestProbe());
        // A peer that never answers: no Have, no Received.
        TestProbe<WeightCache.Command> silent = testKit.createTestProbe();
        testKit.system().receptionist().tell(Receptionist.register(settings.key(), silent.ref()));
        awaitPeers(source, settings, 2);
        source.tell(new WeightCache.Publish(ActorFixtures.weights(5, 1), 10, false));
        WeightCache.Offer first = silent.expectMessageClass(WeightCache.Offer.class, patience(30));
        WeightCache.Offer again = silent.expectMessageClass(WeightCache.Offer.class, patience(30));
        assertEquals(1, again.header().version());
        assertEquals(first.port(), again.port(), "the same version from the same place");
    }

    /** A cache of a group of its own, fetching what a probe playing the source's cache offers it. */
    private final class Receiver {
        final TestProbe<WeightCache.Update> subscriber = testKit.createTestProbe();
        final TestProbe<WeightCache.Command> source = testKit.createTestProbe();
        final ActorRef<WeightCache.Command> cache = cache(settings(), subscriber);

        void offer(SnapshotHeader header, String host, int port) {
            cache.tell(new WeightCache.Offer(header, 1, false, host, port, source.ref()));
        }

        /** The snapshot reaches the subscriber bit for bit, and the source hears it was received. */
        void awaitInstalled(WeightSnapshot snapshot) {
            assertEquals(snapshot, subscriber.receiveMessage(patience(30)).snapshot());
            assertEquals(snapshot.version(), source.expectMessageClass(WeightCache.Received.class, patience(30)).version());
        }

        WeightCache.Status status() {
            TestProbe<WeightCache.Status> reply = testKit.createTestProbe();
            cache.tell(new WeightCache.GetStatus(reply.ref()));
            return reply.receiveMessage(patience(30));
        }

        WeightCache.Status awaitStatus(Predicate<WeightCache.Status> condition, String what) {
            WeightCache.Status[] last = new WeightCache.Status[1];
            source.awaitAssert(patience(30), () -> {
                last[0] = status();
                assertTrue(condition.test(last[0]), "awaiting " + what + "; now " + last[0]);
                return null;
            });
            return last[0];
        }
    }

    /** Waits until the source's group has {@code count} caches registered. */
    private void awaitPeers(ActorRef<WeightCache.Command> source, WeightCache.Settings settings, int count) {
        TestProbe<org.apache.pekko.actor.typed.receptionist.Receptionist.Listing> listing = testKit.createTestProbe();
        listing.awaitAssert(patience(30), () -> {
            testKit.system().receptionist().tell(
                    org.apache.pekko.actor.typed.receptionist.Receptionist.find(settings.key(), listing.ref()));
            assertEquals(count, listing.receiveMessage(patience(10)).getServiceInstances(settings.key()).size());
            return null;
        });
    }
}
