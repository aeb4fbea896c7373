package io.sppo4j.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sppo4j.actors.data.Credit;
import io.sppo4j.actors.monitor.EvalRecord;
import io.sppo4j.actors.monitor.StepRecord;

import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/** Every message the pipeline sends survives the bound serializer with its contents intact. */
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MessageSerializationTest {

    @JUnit5TestKit
    ActorTestKit testKit = new JUnit5TestKitBuilder().withCustomConfig(ActorFixtures.serializingConfig()).build();

    @Test
    void everyMessageRoundTrips() {
        var worker = testKit.<RolloutWorker.Command>createTestProbe().ref();
        var judged = ActorFixtures.judged(42, "3142=", 7);
        List<Object> messages = List.of(
                new RolloutWorker.Credits(List.of(new Credit(1, "321="), new Credit(2, "4321="))),
                new Learner.RequestCredits(worker, 8),
                new Learner.GroupJudged(judged),
                new Learner.GroupFailed(3, "judge failed"),
                new Learner.Judging(4, testKit.<JudgeWorker.Command>createTestProbe().ref()),
                new Learner.ReturnCredits(List.of(5L, 6L)),
                new JudgeWorker.Judge(judged.group()),
                new WeightCache.Publish(ActorFixtures.weights(3, 9), 12, true),
                new WeightCache.Update(ActorFixtures.weights(4, 10), 13, false),
                new WeightCache.LatestVersion(10),
                new Monitor.Stepped(new StepRecord(1, 1, 0.5, 0.2, 16, 100, 1e-4, 0.9, 0, 1, 1.5, 900, 120)),
                new Monitor.Evaluated(new EvalRecord(50, 50, 0.7, 6.1, 6.0, 12.0)),
                new Monitor.LearnerFinished(new Monitor.LearnerTotals(600, 600, 9600, 2, 1)),
                new Learner.Status(1, 2, 3, 4, 5, 6, 7, false));
        Serialization serialization = SerializationExtension.get(testKit.system());
        for (Object message : messages) {
            byte[] bytes = serialization.serialize(message).get();
            var serializer = serialization.findSerializerFor(message);
            Object back = serialization.deserialize(
                    bytes, serializer.identifier(), Serializers.manifestFor(serializer, message)).get();
            assertEquals(message, back, message.getClass().getSimpleName());
        }
    }
}
