package io.sppo4j.actors;

import ai.djl.Device;
import io.sppo4j.actors.data.JudgedGroup;
import io.sppo4j.actors.metrics.LearnerMetrics;
import io.sppo4j.actors.settings.LearnerSettings;
import io.sppo4j.actors.settings.Schedule;
import io.sppo4j.model.checkpoint.Checkpoint;
import io.sppo4j.model.checkpoint.CheckpointStore;
import io.sppo4j.model.train.UpdateResult;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * The learner: hands out credits, collects judged groups, runs optimiser steps and publishes
 * weights. When to grant, what to keep and what follows a step is the schedule's
 * ({@link TrainingSchedule}); this actor carries it out.
 *
 * <p>Credits keep groups in flight plus groups buffered within {@code capacity}, whatever the
 * speed of the other roles. A checkpoint is written as the schedule says, and the learner
 * resumes from the newest intact one at start; if a previous learner published later versions
 * than the checkpoint, the resumed weights are published under a newer version number, so no
 * worker ever sees versions go backwards. A step whose update is skipped is counted and logged
 * with its cause; past {@code max-skipped-fraction} the learner fails the run.
 */
public final class Learner extends AbstractBehavior<Learner.Command> {

    public sealed interface Command extends SppoMessage {}

    /** A worker asks for up to {@code wanted} credits; the answer may come later, when there is room. */
    public record RequestCredits(ActorRef<RolloutWorker.Command> worker, int wanted) implements Command {}

    public record GroupJudged(JudgedGroup group) implements Command {}

    /** The group of a credit could not be judged; the credit is returned. */
    public record GroupFailed(long creditId, String reason) implements Command {}

    /**
     * A judge has a credit's group (sent before its verdict, so it arrives first): if the judge
     * stops or its node leaves the cluster before answering, the credit is taken back at once.
     */
    public record Judging(long creditId, ActorRef<JudgeWorker.Command> judge) implements Command {}

    /** A worker hands back credits it will not use (it restarts or leaves). */
    public record ReturnCredits(List<Long> creditIds) implements Command {
        public ReturnCredits {
            creditIds = List.copyOf(creditIds);
        }
    }

    public record GetStatus(ActorRef<Status> replyTo) implements Command {}

    /**
     * Sent by the cluster singleton before the learner moves to another node (its node leaves):
     * checkpoint now, so the next learner resumes from this very step, then stop.
     */
    public enum Handover implements Command, LocalOnly {
        INSTANCE
    }

    /**
     * @param step the learner's steps, applied and skipped
     * @param version latest published version
     * @param samples judged samples consumed by steps
     * @param inFlight credits outstanding
     * @param buffered judged groups waiting for a step
     * @param droppedStale groups dropped for staleness
     * @param skippedSteps steps whose update was skipped
     * @param finished the run is over
     */
    public record Status(long step, long version, long samples, int inFlight, int buffered, long droppedStale,
            long skippedSteps, boolean finished) implements SppoMessage {}

    private record VersionKnown(long cachedVersion) implements Command, LocalOnly {}

    private record WorkerStopped(ActorRef<RolloutWorker.Command> worker) implements Command, LocalOnly {}

    private record JudgeStopped(ActorRef<JudgeWorker.Command> judge) implements Command, LocalOnly {}

    private enum Tick implements Command, LocalOnly {
        INSTANCE
    }

    private enum TrainNext implements Command, LocalOnly {
        INSTANCE
    }

    /**
     * What the learner is built from besides the run's shared setup.
     *
     * @param checkpoints where it checkpoints and resumes from; null for neither
     * @param groupLog where every judged group that arrives is appended (the rollout log); null for none
     */
    public record Setup(RunSetup run, LearnerSettings settings, Schedule schedule, Device device,
            CheckpointStore checkpoints, LearnerMetrics metrics, JudgedGroupSink groupLog) {}

    public static Behavior<Command> create(
            Setup setup, ActorRef<WeightCache.Command> weightCache, ActorRef<Monitor.Command> monitor) {
        return Behaviors.withStash(10_000, stash -> Behaviors.withTimers(timers -> Behaviors.setup(context -> {
            context.setLoggerName(Learner.class);
            try {
                return new Learner(context, stash, timers, setup, weightCache, monitor);
            } catch (LearnerCheckpoints.ResumeFailed failed) {
                // A damaged store is the operator's to fix: one line, no restart loop, no stack trace.
                context.getLog().error(failed.getMessage());
                monitor.tell(new Monitor.LearnerFailed(failed.getMessage()));
                if (setup.groupLog() != null) {
                    setup.groupLog().close();
                }
                return Behaviors.stopped();
            }
        })));
    }

    private final StashBuffer<Command> stash;
    private final Setup setup;
    private final RunSetup run;
    private final LearnerSettings settings;
    private final ActorRef<Monitor.Command> monitor;
    private final LearnerCheckpoints checkpoints;
    private final LearnerPolicy policy;
    private final TrainingSchedule schedule;
    private final VersionPublisher versions;
    private final CreditLedger<ActorRef<RolloutWorker.Command>, ActorRef<JudgeWorker.Command>> ledger =
            new CreditLedger<>(new Random().nextLong());
    private final Set<ActorRef<RolloutWorker.Command>> watched = new HashSet<>();
    private final Set<ActorRef<JudgeWorker.Command>> watchedJudges = new HashSet<>();
    private final StepTally tally;
    private long lastStatusNanos = System.nanoTime();
    private boolean started;
    private boolean trainScheduled;
    private boolean finished;

    private Learner(
            ActorContext<Command> context, StashBuffer<Command> stash, TimerScheduler<Command> timers, Setup setup,
            ActorRef<WeightCache.Command> weightCache, ActorRef<Monitor.Command> monitor) {
        super(context);
        this.stash = stash;
        this.setup = setup;
        this.run = setup.run();
        this.settings = setup.settings();
        this.monitor = monitor;
        this.tally = new StepTally(setup.metrics(), context.getLog());
        this.checkpoints = new LearnerCheckpoints(
                setup.checkpoints(), run.policyConfig(), run.seed(), setup.metrics(), context.getLog());
        Optional<Checkpoint> resumeFrom = checkpoints.newestIntact(); // before any native allocation
        this.schedule = TrainingSchedule.of(setup.schedule(), settings, run.task(), run.seed());
        this.versions = new VersionPublisher(weightCache, monitor, settings.weightEncoding(), setup.metrics());
        this.policy = new LearnerPolicy(run, settings, setup.schedule(), setup.device());
        try {
            resumeFrom.ifPresent(checkpoint -> resume(policy.restore(checkpoints, checkpoint)));
        } catch (RuntimeException e) {
            policy.close();
            throw e;
        }
        timers.startTimerWithFixedDelay(Tick.INSTANCE, Duration.ofSeconds(1));
        context.ask(WeightCache.LatestVersion.class, weightCache, Duration.ofSeconds(30),
                WeightCache.GetLatestVersion::new,
                (reply, failure) -> new VersionKnown(reply == null ? -1 : reply.version()));
    }

    private void resume(LearnerCheckpoints.Resumed resumed) {
        versions.resumeAt(resumed.version());
        tally.resume(resumed.step(), resumed.progress());
        schedule.resume(resumed.progress());
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(VersionKnown.class, this::onVersionKnown)
                .onMessage(Command.class, message -> !started, message -> {
                    stash.stash(message);
                    return this;
                })
                .onMessage(RequestCredits.class, this::onRequestCredits)
                .onMessage(GroupJudged.class, this::onGroupJudged)
                .onMessage(GroupFailed.class, failed -> onCreditsBack(List.of(failed.creditId())))
                .onMessage(ReturnCredits.class, returned -> onCreditsBack(returned.creditIds()))
                .onMessage(WorkerStopped.class, this::onWorkerStopped)
                .onMessage(Judging.class, this::onJudging)
                .onMessage(JudgeStopped.class, this::onJudgeStopped)
                .onMessage(GetStatus.class, this::onGetStatus)
                .onMessageEquals(Tick.INSTANCE, this::onTick)
                .onMessageEquals(TrainNext.INSTANCE, this::onTrainNext)
                .onMessageEquals(Handover.INSTANCE, this::onHandover)
                .onSignal(PostStop.class, signal -> onStop())
                .build();
    }

    private Behavior<Command> onVersionKnown(VersionKnown known) {
        if (versions.continueAbove(known.cachedVersion())) {
            // Another learner published past our checkpoint.
            getContext().getLog().info("weights up to v{} were published before; resuming as v{}",
                    known.cachedVersion(), versions.version());
        }
        started = true;
        setup.metrics().resumedAt(tally.step());
        boolean done = schedule.finished(tally.step());
        versions.publish(policy, tally.step(), done);
        if (done) {
            finish();
        } else {
            policy.iterationStarts(); // a resumed iteration is dealt from its start: so is its optimiser
            schedule.start();
        }
        return stash.unstashAll(this);
    }

    private Behavior<Command> onRequestCredits(RequestCredits request) {
        if (watched.add(request.worker())) {
            getContext().watchWith(request.worker(), new WorkerStopped(request.worker()));
        }
        ledger.request(request.worker(), request.wanted());
        grantCredits();
        return this;
    }

    private Behavior<Command> onGroupJudged(GroupJudged judged) {
        JudgedGroup group = judged.group();
        if (setup.groupLog() != null) {
            setup.groupLog().accept(group, versions.version());
        }
        boolean outstanding = ledger.settle(group.group().creditId()).isPresent();
        if (finished) {
            return this;
        }
        TrainingSchedule.Arrival arrival = schedule.accept(group, outstanding, ledger.inFlight(), versions.version());
        if (arrival != TrainingSchedule.Arrival.LATE) {
            setup.metrics().arrived(Math.max(0, versions.version() - group.version()));
        }
        if (arrival == TrainingSchedule.Arrival.STALE) {
            tally.dropped(1);
        }
        scheduleTraining();
        grantCredits();
        return this;
    }

    /** Credits that came back without a group: their groups failed, or their worker will not use them. */
    private Behavior<Command> onCreditsBack(List<Long> creditIds) {
        for (long id : creditIds) {
            ledger.settle(id).ifPresent(this::takeBack);
        }
        grantCredits();
        return this;
    }

    private Behavior<Command> onWorkerStopped(WorkerStopped stopped) {
        watched.remove(stopped.worker());
        return takeBackFrom("worker " + stopped.worker().path().name(), ledger.reclaimFrom(stopped.worker()));
    }

    private Behavior<Command> onJudging(Judging judging) {
        if (ledger.judgedBy(judging.creditId(), judging.judge()) && watchedJudges.add(judging.judge())) {
            getContext().watchWith(judging.judge(), new JudgeStopped(judging.judge()));
        }
        return this;
    }

    private Behavior<Command> onJudgeStopped(JudgeStopped stopped) {
        watchedJudges.remove(stopped.judge());
        return takeBackFrom("judge " + stopped.judge().path().name(), ledger.reclaimFromJudge(stopped.judge()));
    }

    /** Takes back the credits a stopped worker or judge held, and grants them anew. */
    private Behavior<Command> takeBackFrom(String stopped, List<? extends CreditLedger.Lease<?, ?>> reclaimed) {
        reclaimed.forEach(this::takeBack);
        if (!reclaimed.isEmpty()) {
            getContext().getLog().info("took back {} credits from stopped {}", reclaimed.size(), stopped);
        }
        grantCredits();
        return this;
    }

    private Behavior<Command> onTick() {
        long now = System.nanoTime();
        long interval = settings.statusInterval().toNanos();
        if (interval > 0 && now - lastStatusNanos >= interval) {
            lastStatusNanos = now;
            getContext().getLog().info("step {} | v{} | {} samples | {} credits in flight | {} buffered | {} dropped stale"
                    + " | {} skipped{}", tally.step(), versions.version(), tally.samples(), ledger.inFlight(),
                    schedule.buffered(), tally.droppedStale(), tally.skippedSteps(), finished ? " | finished" : "");
        }
        var expired = ledger.reclaimExpired(now, settings.creditTimeout());
        expired.forEach(this::takeBack);
        if (!expired.isEmpty()) {
            getContext().getLog().warn("took back {} credits unanswered for {}", expired.size(), settings.creditTimeout());
            grantCredits();
        }
        setup.metrics().occupancy(ledger.inFlight(), schedule.buffered());
        return this;
    }

    private Behavior<Command> onGetStatus(GetStatus request) {
        request.replyTo().tell(new Status(tally.step(), versions.version(), tally.samples(), ledger.inFlight(),
                schedule.buffered(), tally.droppedStale(), tally.skippedSteps(), finished));
        return this;
    }

    private void takeBack(CreditLedger.Lease<?, ?> lease) {
        setup.metrics().reclaimed(1);
        schedule.takenBack(lease.prompt());
    }

    /** Room for new credits under the schedule's bound; none before the start or after the end. */
    private int room() {
        return finished || !started ? 0 : schedule.room(ledger.inFlight());
    }

    private void grantCredits() {
        for (var grant : ledger.grant(this::room, schedule::nextPrompt, System.nanoTime())) {
            grant.worker().tell(new RolloutWorker.Credits(grant.credits()));
            setup.metrics().issued(grant.credits().size());
        }
        setup.metrics().occupancy(ledger.inFlight(), schedule.buffered());
    }

    private void scheduleTraining() {
        if (schedule.readyToTrain() && !trainScheduled && !finished) {
            trainScheduled = true;
            getContext().getSelf().tell(TrainNext.INSTANCE);
        }
    }

    /** One step per message, so credits and groups are served between steps. */
    private Behavior<Command> onTrainNext() {
        trainScheduled = false;
        if (finished) {
            return this;
        }
        TrainingSchedule.Batch batch = schedule.nextBatch(versions.version());
        if (batch.droppedStale() > 0) {
            tally.dropped(batch.droppedStale());
        }
        if (!batch.groups().isEmpty()) {
            train(batch.groups());
            if (settings.skippedSteps().exceededBy(tally.skippedSteps(), tally.step())) {
                return failForSkippedSteps();
            }
            int iteration = schedule.iteration();
            TrainingSchedule.AfterStep next = schedule.afterStep(tally.step());
            if (next.publish()) {
                versions.publish(policy, tally.step(), next.last());
            }
            if (next.checkpoint()) {
                checkpoint();
            }
            if (next.last()) {
                finish();
                return this;
            }
            if (schedule.iteration() > iteration) {
                policy.iterationStarts(); // after the checkpoint, whose resume starts a fresh one too
            }
        }
        grantCredits();
        scheduleTraining();
        return this;
    }

    private void train(List<JudgedGroup> groups) {
        long started = System.nanoTime();
        UpdateResult result = policy.train(groups);
        versions.stepped();
        double seconds = (System.nanoTime() - started) / 1e9;
        monitor.tell(new Monitor.Stepped(tally.stepped(groups, versions.version(), result, seconds)));
    }

    /** Too many steps were skipped: the run is training on nothing and stops with the figures. */
    private Behavior<Command> failForSkippedSteps() {
        String reason = settings.skippedSteps().describe(tally.skippedSteps(), tally.step());
        getContext().getLog().error(reason);
        checkpoint(); // what was learnt so far is kept
        finished = true;
        monitor.tell(new Monitor.LearnerFailed(reason));
        return Behaviors.stopped();
    }

    private void checkpoint() {
        policy.save(checkpoints, tally.step(), versions.version(), tally.progress(schedule), setup.schedule().kind().name());
    }

    private void finish() {
        if (!versions.publishedLast()) {
            versions.publish(policy, tally.step(), true);
        }
        finished = true;
        ledger.dropRequests();
        getContext().getLog().info("finished at step {}, version {}", tally.step(), versions.version());
        monitor.tell(new Monitor.LearnerFinished(tally.totals(versions.version())));
    }

    private Behavior<Command> onHandover() {
        if (started && !finished) {
            checkpoint();
            getContext().getLog().info("handing over at step {}, version {}", tally.step(), versions.version());
        }
        return Behaviors.stopped();
    }

    private Behavior<Command> onStop() {
        if (setup.groupLog() != null) {
            setup.groupLog().close();
        }
        policy.close();
        return this;
    }
}
