package io.sppo4j.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sppo4j.actors.data.SnapshotHeader;
import io.sppo4j.actors.weights.WeightTransferMetrics;
import io.sppo4j.actors.weights.WeightTransport;
import io.sppo4j.model.weights.WeightSnapshot;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/** Node caches distributing weights among themselves over real sockets (one system, real messages). */
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WeightCacheTest {

    @JUnit5TestKit
    ActorTestKit testKit = new JUnit5TestKitBuilder().withCustomConfig(ActorFixtures.serializingConfig()).build();

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
        assertEquals(snapshot, nearLearner.receiveMessage().snapshot());
        for (TestProbe<WeightCache.Update> remote : List.of(remoteA, remoteB)) {
            WeightCache.Update update = remote.receiveMessage(Duration.ofSeconds(30));
            assertEquals(snapshot, update.snapshot(), "bit-exact weights on every node");
            assertEquals(10, update.step());
        }
        TestProbe<WeightCache.Update> late = testKit.createTestProbe();
        cache(settings, late);
        assertEquals(1, late.receiveMessage(Duration.ofSeconds(30)).version(), "a late node gets the newest version");
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
        remote.awaitAssert(Duration.ofSeconds(30), () -> {
            seen.add(remote.receiveMessage(Duration.ofSeconds(5)).version());
            assertEquals(6L, (long) seen.get(seen.size() - 1));
            return null;
        });
        for (int i = 1; i < seen.size(); i++) {
            assertTrue(seen.get(i) > seen.get(i - 1), "versions only move forward: " + seen);
        }
        TestProbe<WeightCache.LatestVersion> latest = testKit.createTestProbe();
        source.tell(new WeightCache.GetLatestVersion(latest.ref()));
        assertEquals(6, latest.receiveMessage().version());
    }

    @Test
    void damagedWeightsAreNeverUsedAndAreCounted() throws Exception {
        WeightCache.Settings settings = settings();
        WeightTransferMetrics metrics = WeightTransferMetrics.unregistered();
        TestProbe<WeightCache.Update> subscriber = testKit.createTestProbe();
        ActorRef<WeightCache.Command> cache = testKit.spawn(WeightCache.create(settings, metrics));
        cache.tell(new WeightCache.Subscribe(subscriber.ref()));
        WeightSnapshot held = ActorFixtures.weights(6, 3);
        cache.tell(new WeightCache.Publish(held.retain(), 1, false));
        assertEquals(held, subscriber.receiveMessage().snapshot());

        TestProbe<WeightCache.Command> source = testKit.createTestProbe();
        WeightSnapshot snapshot = ActorFixtures.weights(7, 4);
        SnapshotHeader header = SnapshotHeader.of(snapshot);
        SnapshotHeader wrongChecksum = new SnapshotHeader(4, header.encoding(), header.checksum() ^ 1, header.tensors());
        try (WeightTransport server = new WeightTransport(WeightTransport.Settings.LOOPBACK)) {
            server.serve(snapshot);
            cache.tell(new WeightCache.Offer(wrongChecksum, 2, false, server.host(), server.port(), source.ref()));
            subscriber.awaitAssert(Duration.ofSeconds(30), () -> {
                assertEquals(1, metrics.checksumFailures(), "the damaged version is counted");
                return null;
            });
            source.expectNoMessage(Duration.ofMillis(200)); // no Received: the bytes failed their checksum
        }
        subscriber.expectNoMessage(Duration.ofMillis(100));
        TestProbe<WeightCache.LatestVersion> latest = testKit.createTestProbe();
        cache.tell(new WeightCache.GetLatestVersion(latest.ref()));
        assertEquals(4, latest.receiveMessage().version(), "the offer is remembered, the bytes are not used");
        TestProbe<WeightCache.Update> late = testKit.createTestProbe();
        cache.tell(new WeightCache.Subscribe(late.ref()));
        WeightCache.Update kept = late.receiveMessage();
        assertEquals(3, kept.version(), "the node keeps its previous weights");
        assertEquals(held, kept.snapshot(), "bit for bit");
    }

    /** Waits until the source's group has {@code count} caches registered. */
    private void awaitPeers(ActorRef<WeightCache.Command> source, WeightCache.Settings settings, int count) {
        TestProbe<org.apache.pekko.actor.typed.receptionist.Receptionist.Listing> listing = testKit.createTestProbe();
        listing.awaitAssert(Duration.ofSeconds(10), () -> {
            testKit.system().receptionist().tell(
                    org.apache.pekko.actor.typed.receptionist.Receptionist.find(settings.key(), listing.ref()));
            assertEquals(count, listing.receiveMessage().getServiceInstances(settings.key()).size());
            return null;
        });
    }
}
