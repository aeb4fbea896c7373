package io.sppo4j.actors;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Each role's behaviour built from a run's {@link Pipeline.Setup}: the same roles whether they
 * share one ActorSystem (the pipeline) or are spread over a cluster's nodes. Each gets the run's
 * shared {@link RunSetup} and its own settings, device and metrics. Workers that fail restart,
 * losing at most their in-flight work.
 */
public final class Roles {

    private Roles() {}

    public static Behavior<Learner.Command> learner(
            Pipeline.Setup setup, ActorRef<WeightCache.Command> cache, ActorRef<Monitor.Command> monitor,
            JudgedGroupSink groupLog) {
        return Learner.create(new Learner.Setup(
                setup.run(), setup.learner(), setup.schedule(), setup.learnerDevice(), setup.checkpoints(),
                setup.metrics().learner(), groupLog), cache, monitor);
    }

    public static Behavior<Evaluator.Command> evaluator(
            Pipeline.Setup setup, ActorRef<WeightCache.Command> cache, ActorRef<Monitor.Command> monitor) {
        int everyVersions = setup.schedule().async() ? setup.eval().everyVersions() : 1;
        return restarting(Evaluator.create(new Evaluator.Setup(
                setup.run(), setup.eval(), everyVersions, setup.rollout().sampling(), setup.rolloutDevice(),
                setup.metrics().eval()), cache, monitor));
    }

    public static Behavior<JudgeWorker.Command> judge(Pipeline.Setup setup, String name, ActorRef<Learner.Command> learner) {
        return restarting(JudgeWorker.create(
                name, setup.run().task().judge(), setup.run().torchThreads(), learner, setup.metrics().judge()));
    }

    /**
     * @param name unique across the cluster; it also seeds the worker's sampling
     */
    public static Behavior<RolloutWorker.Command> rollout(
            Pipeline.Setup setup, String name, ActorRef<Learner.Command> learner,
            ActorRef<WeightCache.Command> cache) {
        RolloutWorker.Setup worker = new RolloutWorker.Setup(
                setup.run(), name, setup.rollout(), setup.rolloutDevice(), JudgeWorker.KEY, setup.metrics().rollout());
        return restarting(RolloutWorker.create(worker, learner, cache));
    }

    private static <T> Behavior<T> restarting(Behavior<T> behavior) {
        return Behaviors.supervise(behavior).onFailure(SupervisorStrategy.restart());
    }
}
