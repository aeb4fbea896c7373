package io.sppo4j.actors;

import ai.djl.Device;
import io.sppo4j.actors.metrics.PipelineMetrics;
import io.sppo4j.actors.settings.AlgorithmSettings;
import io.sppo4j.actors.settings.EvalSettings;
import io.sppo4j.actors.settings.LearnerSettings;
import io.sppo4j.actors.settings.RolloutSettings;
import io.sppo4j.actors.settings.Schedule;
import io.sppo4j.model.checkpoint.CheckpointStore;
import io.sppo4j.model.policy.PolicyConfig;
import io.sppo4j.model.policy.PolicyFactory;
import io.sppo4j.model.task.Task;
import io.sppo4j.model.tokenizer.Tokenizer;
import io.sppo4j.model.weights.WeightSnapshot;

import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Every role of a training run in one ActorSystem: weight cache, monitor, evaluator, judges,
 * learner and rollout workers, the compute-bound ones on their own dispatcher. Workers that fail
 * restart (losing at most their in-flight work); a failed learner fails the run.
 */
public final class Pipeline {

    /** Dispatcher of the actors that run DJL compute: they block their thread while they work. */
    public static final String COMPUTE_DISPATCHER = "sppo4j.dispatchers.compute";

    public sealed interface Command extends SppoMessage {}

    /** Forwards to the monitor: the curves so far. */
    public record GetReport(ActorRef<Monitor.Report> replyTo) implements Command {}

    private record LearnerStopped() implements Command, LocalOnly {}

    /** Everything a one-JVM run is built from. */
    public record Setup(
            Task task,
            Tokenizer tokenizer,
            PolicyFactory policyFactory,
            PolicyConfig policyConfig,
            WeightSnapshot reference,
            Schedule schedule,
            LearnerSettings learner,
            RolloutSettings rollout,
            int judges,
            EvalSettings eval,
            AlgorithmSettings algorithm,
            long seed,
            Device learnerDevice,
            Device rolloutDevice,
            CheckpointStore checkpoints,
            int torchThreads,
            PipelineMetrics metrics) {}

    private Pipeline() {}

    public static Behavior<Command> create(Setup setup, CompletableFuture<Monitor.Report> completion) {
        return Behaviors.setup(context -> start(context, setup, completion));
    }

    private static Behavior<Command> start(
            ActorContext<Command> context, Setup setup, CompletableFuture<Monitor.Report> completion) {
        DispatcherSelector compute = DispatcherSelector.fromConfig(COMPUTE_DISPATCHER);
        ActorRef<Monitor.Command> monitor = context.spawn(Monitor.create(completion, true), "monitor");
        ActorRef<WeightCache.Command> cache = context.spawn(WeightCache.create(), "weight-cache");
        int everyVersions = setup.schedule().async() ? setup.eval().everyVersions() : 1;
        context.spawn(restarting(Evaluator.create(new Evaluator.Setup(
                setup.task(), setup.tokenizer(), setup.policyFactory(), setup.rolloutDevice(), setup.reference(),
                setup.eval(), everyVersions, setup.rollout().sampling(), setup.seed(), setup.torchThreads(),
                setup.metrics().eval()), cache, monitor)), "evaluator", compute);
        ActorRef<Learner.Command> learner = context.spawn(Learner.create(new Learner.Setup(
                setup.learner(), setup.schedule(), setup.task(), setup.policyFactory(), setup.policyConfig(),
                setup.learnerDevice(), setup.reference(), setup.checkpoints(), setup.algorithm(), setup.tokenizer().pad(),
                setup.seed(), setup.torchThreads(), setup.metrics().learner(), null), cache, monitor), "learner", compute);
        context.watchWith(learner, new LearnerStopped());
        for (int j = 0; j < setup.judges(); j++) {
            String name = "judge-" + j;
            context.spawn(restarting(JudgeWorker.create(name, setup.task().judge(), learner, setup.metrics().judge())),
                    name, compute);
        }
        for (int r = 0; r < setup.rollout().workers(); r++) {
            String name = "rollout-" + r;
            RolloutWorker.Setup worker = new RolloutWorker.Setup(
                    name, setup.policyFactory(), setup.rolloutDevice(), setup.tokenizer(), setup.rollout(),
                    setup.seed() + 7919L * (r + 1), setup.torchThreads(), JudgeWorker.KEY, setup.algorithm(),
                    setup.reference(), setup.metrics().rollout());
            context.spawn(restarting(RolloutWorker.create(worker, learner, cache)), name, compute);
        }
        return Behaviors.receive(Command.class)
                .onMessage(GetReport.class, request -> {
                    monitor.tell(new Monitor.GetReport(request.replyTo()));
                    return Behaviors.same();
                })
                .onMessage(LearnerStopped.class, stopped -> {
                    monitor.tell(new Monitor.LearnerFailed("the learner stopped; see the log for its error"));
                    return Behaviors.same();
                })
                .onSignal(Terminated.class, signal -> Behaviors.same())
                .build();
    }

    private static <T> Behavior<T> restarting(Behavior<T> behavior) {
        return Behaviors.supervise(behavior).onFailure(SupervisorStrategy.restart());
    }
}
