package io.sppo4j.actors;

import io.sppo4j.actors.monitor.EvalRecord;
import io.sppo4j.actors.monitor.StepRecord;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * Collects a run's curves (one record per learner step, one per evaluation) for the status
 * line, the CSV and the plot, and completes the run once the learner has finished and its final
 * version has been evaluated.
 */
public final class Monitor extends AbstractBehavior<Monitor.Command> {

    public sealed interface Command extends SppoMessage {}

    public record Stepped(StepRecord record) implements Command {}

    public record Evaluated(EvalRecord record) implements Command {}

    /** The learner reached its last step; its totals include steps of earlier runs it resumed. */
    public record LearnerFinished(LearnerTotals totals) implements Command {}

    /**
     * @param step the learner's steps, applied and skipped
     * @param version final weight version
     * @param samples judged samples consumed
     * @param droppedStale groups dropped for staleness
     * @param skippedSteps steps whose update was skipped
     */
    public record LearnerTotals(long step, long version, long samples, long droppedStale, long skippedSteps)
            implements SppoMessage {

        /** Steps whose update was applied. */
        public long appliedSteps() {
            return step - skippedSteps;
        }
    }

    public record LearnerFailed(String reason) implements Command {}

    /** For tasks with a finite response set: the policy's distribution at a version and the average so far. */
    public record PolicyDistribution(long version, double[] last, double[] average) implements Command {
        public PolicyDistribution {
            last = last.clone();
            average = average.clone();
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof PolicyDistribution that
                    && version == that.version
                    && Arrays.equals(last, that.last)
                    && Arrays.equals(average, that.average);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(version) * 31 + Arrays.hashCode(last);
        }
    }

    public record GetReport(ActorRef<Report> replyTo) implements Command {}

    /**
     * The curves so far.
     *
     * @param totals the learner's totals once it finished, else null
     * @param distribution the latest policy distribution over a finite response set, else null
     */
    public record Report(
            List<StepRecord> steps, List<EvalRecord> evals, LearnerTotals totals, PolicyDistribution distribution)
            implements SppoMessage {
        public Report {
            steps = List.copyOf(steps);
            evals = List.copyOf(evals);
        }

        public boolean finished() {
            return totals != null;
        }
    }

    /**
     * @param completion completed with the final report, or exceptionally if the learner fails
     * @param awaitFinalEval whether completion waits for the evaluation of the final version
     */
    public static Behavior<Command> create(CompletableFuture<Report> completion, boolean awaitFinalEval) {
        return Behaviors.setup(context -> new Monitor(context, completion, awaitFinalEval));
    }

    private final CompletableFuture<Report> completion;
    private final boolean awaitFinalEval;
    private final List<StepRecord> steps = new ArrayList<>();
    private final List<EvalRecord> evals = new ArrayList<>();
    private LearnerTotals totals;
    private PolicyDistribution distribution;

    private Monitor(ActorContext<Command> context, CompletableFuture<Report> completion, boolean awaitFinalEval) {
        super(context);
        context.setLoggerName(Monitor.class);
        this.completion = completion;
        this.awaitFinalEval = awaitFinalEval;
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Stepped.class, stepped -> {
                    steps.add(stepped.record());
                    return this;
                })
                .onMessage(Evaluated.class, evaluated -> {
                    evals.add(evaluated.record());
                    completeIfDone();
                    return this;
                })
                .onMessage(LearnerFinished.class, finished -> {
                    totals = finished.totals();
                    completeIfDone();
                    return this;
                })
                .onMessage(LearnerFailed.class, failed -> {
                    completion.completeExceptionally(new IllegalStateException("learner failed: " + failed.reason()));
                    return this;
                })
                .onMessage(PolicyDistribution.class, latest -> {
                    distribution = latest;
                    return this;
                })
                .onMessage(GetReport.class, request -> {
                    request.replyTo().tell(report());
                    return this;
                })
                .build();
    }

    private void completeIfDone() {
        if (totals == null || completion.isDone()) {
            return;
        }
        boolean evaluated = evals.stream().anyMatch(e -> e.version() >= totals.version());
        if (evaluated || !awaitFinalEval) {
            completion.complete(report());
        }
    }

    private Report report() {
        return new Report(steps, evals, totals, distribution);
    }
}
