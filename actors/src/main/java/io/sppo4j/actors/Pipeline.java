package io.sppo4j.actors;

import ai.djl.Device;
import io.sppo4j.actors.metrics.PipelineMetrics;
import io.sppo4j.actors.settings.EvalSettings;
import io.sppo4j.actors.settings.LearnerSettings;
import io.sppo4j.actors.settings.RolloutSettings;
import io.sppo4j.actors.settings.Schedule;
import io.sppo4j.model.checkpoint.CheckpointStore;

import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
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

    /**
     * Every role of a run: what they share, and what each role's settings add.
     *
     * @param checkpoints the learner's checkpoints; null for none
     * @param judges judge workers in this JVM
     */
    public record Setup(
            RunSetup run,
            Schedule schedule,
            LearnerSettings learner,
            Device learnerDevice,
            CheckpointStore checkpoints,
            RolloutSettings rollout,
            Device rolloutDevice,
            int judges,
            EvalSettings eval,
            PipelineMetrics metrics) {}

    private Pipeline() {}

    public static Behavior<Command> create(Setup setup, CompletableFuture<Monitor.Report> completion) {
        return Behaviors.setup(context -> start(context, setup, completion));
    }

    private static Behavior<Command> start(
            ActorContext<Command> context, Setup setup, CompletableFuture<Monitor.Report> completion) {
        DispatcherSelector compute = DispatcherSelector.fromConfig(COMPUTE_DISPATCHER);
        ActorRef<Monitor.Command> monitor = context.spawn(Monitor.create(completion, true), "monitor");
        ActorRef<WeightCache.Command> cache = context.spawn(
                WeightCache.create(WeightCache.Settings.DEFAULT, setup.metrics().weights()), "weight-cache");
        context.spawn(Roles.evaluator(setup, cache, monitor), "evaluator", compute);
        ActorRef<Learner.Command> learner = context.spawn(Roles.learner(setup, cache, monitor, null), "learner", compute);
        context.watchWith(learner, new LearnerStopped());
        for (int j = 0; j < setup.judges(); j++) {
            context.spawn(Roles.judge(setup, "judge-" + j, learner), "judge-" + j, compute);
        }
        for (int r = 0; r < setup.rollout().workers(); r++) {
            context.spawn(Roles.rollout(setup, "rollout-" + r, learner, cache), "rollout-" + r, compute);
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
}
