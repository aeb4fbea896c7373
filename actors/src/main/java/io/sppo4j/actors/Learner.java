package io.sppo4j.actors;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.sppo4j.actors.data.Credit;
import io.sppo4j.actors.data.JudgedGroup;
import io.sppo4j.actors.metrics.LearnerMetrics;
import io.sppo4j.actors.monitor.StepRecord;
import io.sppo4j.actors.training.GroupTrainer;
import io.sppo4j.actors.training.PolicyAverage;
import io.sppo4j.actors.settings.AlgorithmSettings;
import io.sppo4j.actors.settings.LearnerSettings;
import io.sppo4j.actors.settings.Schedule;
import io.sppo4j.model.checkpoint.Checkpoint;
import io.sppo4j.model.checkpoint.CheckpointStore;
import io.sppo4j.model.nd.TorchThreads;
import io.sppo4j.model.optim.AdamW;
import io.sppo4j.model.optim.LearningRateSchedule;
import io.sppo4j.model.policy.LanguageModel;
import io.sppo4j.model.policy.PolicyConfig;
import io.sppo4j.model.policy.PolicyFactory;
import io.sppo4j.model.task.Task;
import io.sppo4j.model.train.UpdateResult;
import io.sppo4j.model.weights.TensorEncoding;
import io.sppo4j.model.weights.WeightSnapshot;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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
 * The learner: hands out credits, collects judged groups, runs SPPO steps and publishes weights.
 *
 * <p>Credits keep groups in flight plus groups buffered within {@code capacity}, whatever the
 * speed of the other roles. Groups sampled more than {@code max-staleness} versions ago are
 * dropped and counted. A checkpoint is written every {@code checkpoint-every} steps and the
 * learner resumes from the newest one at start; if a previous learner published later versions
 * than the checkpoint, the resumed weights are published under a newer version number, so no
 * worker ever sees versions go backwards.
 */
public final class Learner extends AbstractBehavior<Learner.Command> {

    public sealed interface Command extends SppoMessage {}

    /** A worker asks for up to {@code wanted} credits; the answer may come later, when there is room. */
    public record RequestCredits(ActorRef<RolloutWorker.Command> worker, int wanted) implements Command {}

    public record GroupJudged(JudgedGroup group) implements Command {}

    /** The group of a credit could not be judged; the credit is returned. */
    public record GroupFailed(long creditId, String reason) implements Command {}

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
     * @param step optimiser steps taken
     * @param version latest published version
     * @param inFlight credits outstanding
     * @param buffered judged groups waiting for a step
     * @param droppedStale groups dropped for staleness
     * @param finished the run is over
     */
    public record Status(long step, long version, int inFlight, int buffered, long droppedStale, boolean finished)
            implements SppoMessage {}

    private record VersionKnown(long cachedVersion) implements Command, LocalOnly {}

    private record WorkerStopped(ActorRef<RolloutWorker.Command> worker) implements Command, LocalOnly {}

    private enum Tick implements Command, LocalOnly {
        INSTANCE
    }

    private enum TrainNext implements Command, LocalOnly {
        INSTANCE
    }

    /** What the learner is built from. */
    public record Setup(
            LearnerSettings settings,
            Schedule schedule,
            Task task,
            PolicyFactory policyFactory,
            PolicyConfig policyConfig,
            Device device,
            WeightSnapshot initialWeights,
            CheckpointStore checkpoints,
            AlgorithmSettings algorithm,
            int padId,
            long seed,
            int torchThreads,
            LearnerMetrics metrics,
            JudgedGroupSink groupLog) {}

    public static Behavior<Command> create(
            Setup setup, ActorRef<WeightCache.Command> weightCache, ActorRef<Monitor.Command> monitor) {
        return Behaviors.withStash(10_000, stash -> Behaviors.withTimers(timers -> Behaviors.setup(context ->
                new Learner(context, stash, timers, setup, weightCache, monitor))));
    }

    private static final String EXTRA_PROMPTS_ISSUED = "prompts_issued";
    private static final String EXTRA_ITERATION = "iteration";
    private static final String EXTRA_SAMPLES = "samples";
    private static final String EXTRA_DROPPED = "dropped_stale";

    private final StashBuffer<Command> stash;
    private final Setup setup;
    private final LearnerSettings settings;
    private final ActorRef<WeightCache.Command> weightCache;
    private final ActorRef<Monitor.Command> monitor;
    private final NDManager manager;
    private final LanguageModel policy;
    private final LanguageModel reference;
    private final AdamW optimizer;
    private final GroupTrainer trainer;
    private final PolicyAverage average;
    private final CreditLedger ledger = new CreditLedger(new Random().nextLong());
    private final PromptDispenser prompts;
    private final Map<ActorRef<RolloutWorker.Command>, Integer> waiting = new LinkedHashMap<>();
    private final Set<ActorRef<RolloutWorker.Command>> watched = new HashSet<>();
    private final Deque<JudgedGroup> buffer = new ArrayDeque<>();
    private final Deque<List<JudgedGroup>> iterationBatches = new ArrayDeque<>();
    private final Deque<long[]> throughputWindow = new ArrayDeque<>();
    private final long startedNanos = System.nanoTime();
    private long lastStatusNanos = System.nanoTime();
    private boolean started;
    private boolean trainScheduled;
    private boolean finished;
    private boolean publishedSinceStep = true;
    private boolean publishedLast;
    private long step;
    private long version;
    private long samples;
    private long droppedStale;
    private int iteration;

    private Learner(
            ActorContext<Command> context, StashBuffer<Command> stash, TimerScheduler<Command> timers, Setup setup,
            ActorRef<WeightCache.Command> weightCache, ActorRef<Monitor.Command> monitor) {
        super(context);
        context.setLoggerName(Learner.class);
        this.stash = stash;
        this.setup = setup;
        this.settings = setup.settings();
        this.weightCache = weightCache;
        this.monitor = monitor;
        TorchThreads.limit(setup.torchThreads());
        this.manager = NDManager.newBaseManager(setup.device());
        this.policy = setup.policyFactory().create(manager, setup.device());
        policy.setTrainable(true);
        setup.initialWeights().importInto(policy);
        this.reference = setup.algorithm().algorithm().usesReference() ? frozenReference(setup) : null;
        this.optimizer = new AdamW(settings.optimizer(), learningRates(settings));
        this.trainer = GroupTrainer.create(setup.algorithm(), policy, reference, optimizer, setup.padId());
        this.average = setup.task().finiteResponses().map(PolicyAverage::new).orElse(null);
        Schedule schedule = setup.schedule();
        this.prompts = new PromptDispenser(setup.task(), setup.seed(), schedule.async() ? 0 : schedule.prompts());
        resumeFromCheckpoint();
        timers.startTimerWithFixedDelay(Tick.INSTANCE, Duration.ofSeconds(1));
        context.ask(WeightCache.LatestVersion.class, weightCache, Duration.ofSeconds(30),
                WeightCache.GetLatestVersion::new,
                (reply, failure) -> new VersionKnown(reply == null ? -1 : reply.version()));
    }

    /** The reference policy the method regularises toward, frozen at the initial weights. */
    private LanguageModel frozenReference(Setup setup) {
        LanguageModel frozen = setup.policyFactory().create(manager, setup.device());
        frozen.setTrainable(false);
        setup.initialWeights().importInto(frozen);
        return frozen;
    }

    private static LearningRateSchedule learningRates(LearnerSettings settings) {
        float peak = settings.optimizer().learningRate();
        if (settings.warmupSteps() == 0) {
            return new LearningRateSchedule.Constant(peak);
        }
        // Warm up linearly, then hold the peak: an online learner has no planned end to decay toward.
        return new LearningRateSchedule.CosineWithWarmup(peak, settings.warmupSteps(), settings.warmupSteps() + 1L, peak);
    }

    private void resumeFromCheckpoint() {
        if (setup.checkpoints() == null) {
            return;
        }
        Optional<Checkpoint> newest;
        try {
            newest = setup.checkpoints().loadNewest();
        } catch (IOException e) {
            // A corrupt newest checkpoint stops the learner rather than silently training from scratch.
            throw new UncheckedIOException("cannot resume from " + setup.checkpoints().directory() + ": " + e.getMessage(), e);
        }
        if (newest.isEmpty()) {
            return;
        }
        Checkpoint checkpoint = newest.get();
        checkpoint.restoreInto(policy);
        if (checkpoint.optimizer() != null) {
            optimizer.restoreState(checkpoint.optimizer(), policy);
        }
        step = checkpoint.step();
        version = checkpoint.version();
        Map<String, String> extra = checkpoint.extra();
        prompts.resumeAt(Long.parseLong(extra.getOrDefault(EXTRA_PROMPTS_ISSUED, "0")));
        iteration = Integer.parseInt(extra.getOrDefault(EXTRA_ITERATION, "0"));
        samples = Long.parseLong(extra.getOrDefault(EXTRA_SAMPLES, "0"));
        droppedStale = Long.parseLong(extra.getOrDefault(EXTRA_DROPPED, "0"));
        getContext().getLog().info("resumed from checkpoint at step {}, version {}", step, version);
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
                .onMessage(GroupFailed.class, this::onGroupFailed)
                .onMessage(ReturnCredits.class, this::onReturnCredits)
                .onMessage(WorkerStopped.class, this::onWorkerStopped)
                .onMessage(GetStatus.class, this::onGetStatus)
                .onMessageEquals(Tick.INSTANCE, this::onTick)
                .onMessageEquals(TrainNext.INSTANCE, this::onTrainNext)
                .onMessageEquals(Handover.INSTANCE, this::onHandover)
                .onSignal(PostStop.class, signal -> onStop())
                .build();
    }

    private Behavior<Command> onVersionKnown(VersionKnown known) {
        if (known.cachedVersion() > version) {
            // Another learner published past our checkpoint: continue above it.
            getContext().getLog().info("weights up to v{} were published before; resuming as v{}",
                    known.cachedVersion(), known.cachedVersion() + 1);
            version = known.cachedVersion() + 1;
        }
        started = true;
        setup.metrics().resumedAt(step);
        boolean done = setup.schedule().async() ? step >= settings.maxSteps() : iteration >= setup.schedule().iterations();
        publish(done);
        if (done) {
            finish();
        } else if (!setup.schedule().async()) {
            prompts.deal(iteration);
        }
        return stash.unstashAll(this);
    }

    private Behavior<Command> onRequestCredits(RequestCredits request) {
        if (watched.add(request.worker())) {
            getContext().watchWith(request.worker(), new WorkerStopped(request.worker()));
        }
        waiting.put(request.worker(), request.wanted());
        grantCredits();
        return this;
    }

    private Behavior<Command> onGroupJudged(GroupJudged judged) {
        JudgedGroup group = judged.group();
        if (setup.groupLog() != null) {
            setup.groupLog().accept(group, version);
        }
        Optional<CreditLedger.Lease> lease = ledger.settle(group.group().creditId());
        if (finished) {
            return this;
        }
        if (lease.isEmpty() && (!setup.schedule().async() || room() <= 0)) {
            // Its credit was taken back already (a late group, or one from an earlier learner).
            grantCredits();
            return this;
        }
        long staleness = version - group.version();
        setup.metrics().arrived(Math.max(0, staleness));
        if (setup.schedule().async()) {
            if (staleness > settings.maxStaleness()) {
                dropStale(1);
            } else {
                buffer.add(group);
                scheduleTraining();
            }
        } else if (group.version() == version) {
            buffer.add(group);
            if (buffer.size() == setup.schedule().prompts()) {
                planIteration();
                scheduleTraining();
            }
        } else {
            // Sampled before this iteration's weights reached the worker: deal the prompt again.
            dropStale(1);
            prompts.giveBack(group.group().prompt());
        }
        grantCredits();
        return this;
    }

    private Behavior<Command> onGroupFailed(GroupFailed failed) {
        ledger.settle(failed.creditId()).ifPresent(this::takeBack);
        grantCredits();
        return this;
    }

    private Behavior<Command> onReturnCredits(ReturnCredits returned) {
        for (long id : returned.creditIds()) {
            ledger.settle(id).ifPresent(this::takeBack);
        }
        grantCredits();
        return this;
    }

    private Behavior<Command> onWorkerStopped(WorkerStopped stopped) {
        watched.remove(stopped.worker());
        waiting.remove(stopped.worker());
        List<CreditLedger.Lease> reclaimed = ledger.reclaimFrom(stopped.worker());
        reclaimed.forEach(this::takeBack);
        if (!reclaimed.isEmpty()) {
            getContext().getLog().info("took back {} credits from stopped worker {}", reclaimed.size(),
                    stopped.worker().path().name());
        }
        grantCredits();
        return this;
    }

    private Behavior<Command> onTick() {
        long now = System.nanoTime();
        long interval = settings.statusInterval().toNanos();
        if (interval > 0 && now - lastStatusNanos >= interval) {
            lastStatusNanos = now;
            getContext().getLog().info("step {} | v{} | {} samples | {} credits in flight | {} buffered | {} dropped stale{}",
                    step, version, samples, ledger.inFlight(), buffer.size(), droppedStale, finished ? " | finished" : "");
        }
        List<CreditLedger.Lease> expired = ledger.reclaimExpired(now, settings.creditTimeout());
        expired.forEach(this::takeBack);
        if (!expired.isEmpty()) {
            getContext().getLog().warn("took back {} credits unanswered for {}", expired.size(), settings.creditTimeout());
            grantCredits();
        }
        setup.metrics().occupancy(ledger.inFlight(), buffer.size());
        return this;
    }

    private Behavior<Command> onGetStatus(GetStatus request) {
        request.replyTo().tell(new Status(step, version, ledger.inFlight(), buffer.size(), droppedStale, finished));
        return this;
    }

    private void takeBack(CreditLedger.Lease lease) {
        setup.metrics().reclaimed(1);
        if (!setup.schedule().async()) {
            prompts.giveBack(lease.prompt());
        }
    }

    /** Room for new credits under the capacity bound (and, per iteration, the prompts left). */
    private int room() {
        if (finished || !started) {
            return 0;
        }
        if (setup.schedule().async()) {
            return settings.capacity() - ledger.inFlight() - buffer.size();
        }
        if (!iterationBatches.isEmpty() || buffer.size() >= setup.schedule().prompts()) {
            return 0; // training on this iteration's groups
        }
        return Math.min(settings.capacity() - ledger.inFlight(), prompts.remaining());
    }

    private void grantCredits() {
        for (Iterator<Map.Entry<ActorRef<RolloutWorker.Command>, Integer>> it = waiting.entrySet().iterator();
                it.hasNext(); ) {
            int room = room();
            if (room <= 0) {
                break;
            }
            Map.Entry<ActorRef<RolloutWorker.Command>, Integer> request = it.next();
            int count = Math.min(room, request.getValue());
            List<Credit> credits = new ArrayList<>(count);
            long now = System.nanoTime();
            for (int i = 0; i < count; i++) {
                credits.add(ledger.issue(request.getKey(), prompts.next(), now));
            }
            request.getKey().tell(new RolloutWorker.Credits(credits));
            setup.metrics().issued(count);
            it.remove();
        }
        setup.metrics().occupancy(ledger.inFlight(), buffer.size());
    }

    private void scheduleTraining() {
        boolean ready = setup.schedule().async() ? buffer.size() >= settings.groupsPerStep() : !iterationBatches.isEmpty();
        if (ready && !trainScheduled && !finished) {
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
        if (setup.schedule().async()) {
            List<JudgedGroup> batch = new ArrayList<>(settings.groupsPerStep());
            while (batch.size() < settings.groupsPerStep() && !buffer.isEmpty()) {
                JudgedGroup group = buffer.poll();
                if (version - group.version() > settings.maxStaleness()) {
                    dropStale(1); // aged while it waited in the buffer
                } else {
                    batch.add(group);
                }
            }
            if (!batch.isEmpty()) {
                train(batch);
                if (step % settings.publishEvery() == 0) {
                    publish(false);
                }
                if (step % settings.checkpointEvery() == 0) {
                    checkpoint();
                }
                if (step >= settings.maxSteps()) {
                    finish();
                    return this;
                }
            }
        } else {
            train(iterationBatches.poll());
            if (iterationBatches.isEmpty()) {
                endIteration();
                if (finished) {
                    return this;
                }
            }
        }
        grantCredits();
        scheduleTraining();
        return this;
    }

    /** Shuffles the iteration's groups into batches, {@code epochs} passes over them. */
    private void planIteration() {
        List<JudgedGroup> groups = new ArrayList<>(buffer);
        buffer.clear();
        Random random = new Random(setup.seed() * 7919 + iteration);
        for (int epoch = 0; epoch < setup.schedule().epochs(); epoch++) {
            Collections.shuffle(groups, random);
            for (int start = 0; start < groups.size(); start += settings.groupsPerStep()) {
                iterationBatches.add(List.copyOf(groups.subList(start, Math.min(groups.size(), start + settings.groupsPerStep()))));
            }
        }
    }

    private void endIteration() {
        iteration++;
        boolean last = iteration >= setup.schedule().iterations();
        publish(last);
        checkpoint();
        if (last) {
            finish();
        } else {
            prompts.deal(iteration);
        }
    }

    private void train(List<JudgedGroup> groups) {
        TorchThreads.limit(setup.torchThreads());
        int total = 0;
        double staleness = 0;
        for (JudgedGroup group : groups) {
            total += group.group().size();
            staleness += version - group.version();
        }
        long trainingStarted = System.nanoTime();
        UpdateResult result = trainer.train(groups);
        double trainingSeconds = (System.nanoTime() - trainingStarted) / 1e9;
        step++;
        samples += total;
        publishedSinceStep = false;
        setup.metrics().stepped(step, result.loss(), total, trainingSeconds);
        double elapsed = (System.nanoTime() - startedNanos) / 1e9;
        monitor.tell(new Monitor.Stepped(new StepRecord(
                step, version, result.loss(), staleness / groups.size(), samples, throughput(), result.learningRate(),
                result.gradientNorm(), droppedStale, elapsed)));
    }

    /** Samples consumed per second over roughly the last ten seconds. */
    private double throughput() {
        long now = System.nanoTime();
        throughputWindow.addLast(new long[] {now, samples});
        while (throughputWindow.size() > 2 && now - throughputWindow.peekFirst()[0] > 10_000_000_000L) {
            throughputWindow.pollFirst();
        }
        long[] first = throughputWindow.peekFirst();
        double seconds = (now - first[0]) / 1e9;
        return seconds > 0 ? (samples - first[1]) / seconds : 0;
    }

    private void dropStale(long groups) {
        droppedStale += groups;
        setup.metrics().dropped(groups);
    }

    /** Exports and publishes the weights; a new version unless nothing changed since the last one. */
    private void publish(boolean last) {
        TorchThreads.limit(setup.torchThreads());
        long started = System.nanoTime();
        if (!publishedSinceStep) {
            version++;
        }
        WeightSnapshot snapshot = WeightSnapshot.export(policy, version, settings.weightEncoding());
        weightCache.tell(new WeightCache.Publish(snapshot, step, last));
        if (average != null) {
            PolicyAverage.Distributions distributions = average.record(policy, version);
            monitor.tell(new Monitor.PolicyDistribution(version, distributions.last(), distributions.average()));
        }
        publishedSinceStep = true;
        publishedLast |= last;
        setup.metrics().published(version, (System.nanoTime() - started) / 1e9);
    }

    private void checkpoint() {
        if (setup.checkpoints() == null) {
            return;
        }
        Map<String, String> extra = new LinkedHashMap<>();
        extra.put("role", "learner");
        extra.put("task", setup.task().name());
        extra.put("schedule", setup.schedule().kind().name().toLowerCase(Locale.ROOT));
        extra.put(EXTRA_PROMPTS_ISSUED, Long.toString(prompts.issued()));
        extra.put(EXTRA_ITERATION, Integer.toString(iteration));
        extra.put(EXTRA_SAMPLES, Long.toString(samples));
        extra.put(EXTRA_DROPPED, Long.toString(droppedStale));
        Checkpoint checkpoint = new Checkpoint(
                setup.policyConfig(), version, step,
                WeightSnapshot.export(policy, version, TensorEncoding.FP32),
                optimizer.exportState(), setup.seed(), extra);
        try {
            setup.checkpoints().save(checkpoint);
        } catch (IOException e) {
            // The previous checkpoint is intact; training goes on and the next save tries again.
            getContext().getLog().error("checkpoint at step {} failed: {}", step, e.toString());
        }
    }

    private void finish() {
        if (!publishedLast) {
            publish(true);
        }
        if (step % settings.checkpointEvery() != 0 && setup.schedule().async()) {
            checkpoint();
        }
        finished = true;
        waiting.clear();
        getContext().getLog().info("finished at step {}, version {}", step, version);
        monitor.tell(new Monitor.LearnerFinished(new Monitor.LearnerTotals(step, version, samples, droppedStale)));
    }

    private Behavior<Command> onHandover() {
        if (started && !finished) {
            checkpoint();
            getContext().getLog().info("handing over at step {}, version {}", step, version);
        }
        return Behaviors.stopped();
    }

    private Behavior<Command> onStop() {
        if (setup.groupLog() != null) {
            setup.groupLog().close();
        }
        optimizer.close();
        manager.close();
        return this;
    }
}
