package io.sppo4j.cluster.node;

import io.sppo4j.actors.JudgedGroupSink;
import io.sppo4j.actors.Learner;
import io.sppo4j.actors.Monitor;
import io.sppo4j.actors.Pipeline;
import io.sppo4j.actors.Roles;
import io.sppo4j.actors.WeightCache;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.ClusterSingletonSettings;
import org.apache.pekko.cluster.typed.SingletonActor;

/**
 * One node of a training cluster. Every node has a weight cache (weights reach a node once,
 * whatever it runs). The learner and the evaluator are cluster singletons on the {@code learner}
 * role: a second learner-role node is a hot standby that takes over, from the newest checkpoint
 * in the shared directory, when the active one goes. Rollout and judge workers find the learner
 * through the singleton proxy and each other through the receptionist.
 */
public final class NodeGuardian {

    public static final String LEARNER = "learner";
    public static final String ROLLOUT = "rollout";
    public static final String JUDGE = "judge";

    /**
     * @param pipeline the run's roles as the configuration describes them
     * @param roles the roles of this node
     * @param name this node's name in worker names and logs
     * @param weights how this node's weight cache exchanges versions
     * @param groupLog where the learner appends judged groups (null: no rollout log)
     * @param handover how the learner singleton moves between learner-role nodes
     */
    public record Setup(
            Pipeline.Setup pipeline, Set<String> roles, String name, WeightCache.Settings weights,
            JudgedGroupSink groupLog, LearnerHandover handover) {

        /** A node without a checkpoint lease: Pekko's removal margin (in-process clusters). */
        public Setup(Pipeline.Setup pipeline, Set<String> roles, String name, WeightCache.Settings weights,
                JudgedGroupSink groupLog) {
            this(pipeline, roles, name, weights, groupLog, LearnerHandover.UNLEASED);
        }

        public Setup {
            roles = Set.copyOf(roles);
            for (String role : roles) {
                if (!Set.of(LEARNER, ROLLOUT, JUDGE).contains(role)) {
                    throw new IllegalArgumentException("--roles: unknown role '" + role + "'; roles: learner, rollout, judge");
                }
            }
        }
    }

    private NodeGuardian() {}

    public static Behavior<Void> create(Setup setup) {
        return Behaviors.setup(context -> {
            Pipeline.Setup pipeline = setup.pipeline();
            DispatcherSelector compute = DispatcherSelector.fromConfig(Pipeline.COMPUTE_DISPATCHER);
            ActorRef<WeightCache.Command> cache = context.spawn(
                    WeightCache.create(setup.weights(), pipeline.metrics().weights()), "weight-cache");
            // The curves of a cluster run live in its metrics; this monitor only keeps the learner's records.
            ActorRef<Monitor.Command> monitor = context.spawn(Monitor.create(new CompletableFuture<>(), false), "monitor");
            ClusterSingleton singletons = ClusterSingleton.get(context.getSystem());
            ClusterSingletonSettings onLearnerNodes =
                    ClusterSingletonSettings.create(context.getSystem()).withRole(LEARNER);
            ClusterSingletonSettings learnerHandover = setup.handover().apply(onLearnerNodes);
            // Every node initialises the singleton: learner nodes host it (one at a time), the
            // others only get the proxy that routes to wherever it runs.
            ActorRef<Learner.Command> learner = singletons.init(SingletonActor.of(
                            Behaviors.supervise(Roles.learner(pipeline, cache, monitor, setup.groupLog()))
                                    .onFailure(SupervisorStrategy.restartWithBackoff(
                                            Duration.ofSeconds(1), Duration.ofSeconds(30), 0.2)),
                            "learner")
                    .withSettings(learnerHandover)
                    .withStopMessage(Learner.Handover.INSTANCE)
                    .withProps(compute));
            if (setup.roles().contains(LEARNER)) {
                singletons.init(SingletonActor.of(Roles.evaluator(pipeline, cache, monitor), "evaluator")
                        .withSettings(onLearnerNodes)
                        .withProps(compute));
            }
            if (setup.roles().contains(JUDGE)) {
                for (int j = 0; j < pipeline.judges(); j++) {
                    String name = setup.name() + "-judge-" + j;
                    context.spawn(Roles.judge(pipeline, name, learner), "judge-" + j, compute);
                }
            }
            if (setup.roles().contains(ROLLOUT)) {
                for (int r = 0; r < pipeline.rollout().workers(); r++) {
                    String name = setup.name() + "-rollout-" + r;
                    context.spawn(Roles.rollout(pipeline, name, learner, cache), "rollout-" + r, compute);
                }
            }
            context.getLog().info("node {} up with roles {}", setup.name(), setup.roles());
            return Behaviors.empty();
        });
    }
}
