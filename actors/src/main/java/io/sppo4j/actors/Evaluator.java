package io.sppo4j.actors;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.sppo4j.actors.metrics.EvalMetrics;
import io.sppo4j.actors.monitor.EvalRecord;
import io.sppo4j.actors.settings.EvalSettings;
import io.sppo4j.model.eval.SampledResponses;
import io.sppo4j.model.eval.WinRate;
import io.sppo4j.model.judge.PreferenceModel;
import io.sppo4j.model.nd.TorchThreads;
import io.sppo4j.model.policy.LanguageModel;
import io.sppo4j.model.sampling.Sampler;
import io.sppo4j.model.sampling.SamplingConfig;
import io.sppo4j.model.weights.WeightSnapshot;

import java.util.List;
import java.util.concurrent.CompletionException;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.PreRestart;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * Every {@code every} versions (and for the final one), samples the policy on held-out prompts
 * and reports the judge's win rate over the frozen reference's responses to the same prompts,
 * with both mean lengths. The reference's responses are sampled once; the policy is sampled
 * with the same seed every time, so successive evaluations differ by the weights alone.
 *
 * <p>Sampling runs on this actor's thread (the compute dispatcher); the judge runs through
 * {@link JudgeCalls}, since an HTTP judge waits on its server. One evaluation is under way at a
 * time; versions that arrive meanwhile wait, and only the newest due one is evaluated next. A
 * version already evaluated is not evaluated again when it comes back marked as the last.
 */
public final class Evaluator extends AbstractBehavior<Evaluator.Command> {

    public sealed interface Command extends SppoMessage {}

    private record WeightsUpdated(WeightCache.Update update) implements Command, LocalOnly {}

    private enum EvaluatePending implements Command, LocalOnly {
        INSTANCE
    }

    /** The judge's verdict on a version's responses, or why there is none. */
    private record Judged(WeightCache.Update update, double meanLength, WinRate winRate, Throwable failure)
            implements Command, LocalOnly {}

    /**
     * What the evaluator is built from besides the run's shared setup.
     *
     * @param everyVersions evaluate every this many versions (and the final one)
     * @param sampling how the policy and the reference answer the held-out prompts
     */
    public record Setup(
            RunSetup run, EvalSettings settings, int everyVersions, SamplingConfig sampling, Device device,
            EvalMetrics metrics) {}

    public static Behavior<Command> create(
            Setup setup, ActorRef<WeightCache.Command> weightCache, ActorRef<Monitor.Command> monitor) {
        return Behaviors.setup(context -> new Evaluator(context, setup, weightCache, monitor));
    }

    private final Setup setup;
    private final RunSetup run;
    private final ActorRef<Monitor.Command> monitor;
    private final JudgeCalls judgeCalls;
    private final NDManager manager;
    private final Sampler sampler;
    private final PreferenceModel judge;
    private final List<String> prompts;
    private final long startedNanos = System.nanoTime();
    private List<String> referenceResponses;
    private double referenceMeanLength;
    private WeightCache.Update pending;
    private boolean evaluationScheduled;
    private boolean judging;
    private long lastEvaluated = Long.MIN_VALUE;

    private Evaluator(
            ActorContext<Command> context, Setup setup, ActorRef<WeightCache.Command> weightCache,
            ActorRef<Monitor.Command> monitor) {
        super(context);
        context.setLoggerName(Evaluator.class);
        this.setup = setup;
        this.run = setup.run();
        this.monitor = monitor;
        this.judgeCalls = new JudgeCalls(context.getSystem(), run.torchThreads());
        TorchThreads.limit(run.torchThreads());
        this.manager = NDManager.newBaseManager(setup.device());
        this.sampler = new Sampler(setup.sampling(), run.tokenizer());
        this.judge = run.task().judge();
        this.prompts = run.task().heldOutPrompts(setup.settings().prompts(), run.seed());
        weightCache.tell(new WeightCache.Subscribe(context.messageAdapter(WeightCache.Update.class, WeightsUpdated::new)));
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(WeightsUpdated.class, this::onWeights)
                .onMessageEquals(EvaluatePending.INSTANCE, this::onEvaluatePending)
                .onMessage(Judged.class, this::onJudged)
                .onSignal(PreRestart.class, signal -> onStop())
                .onSignal(PostStop.class, signal -> onStop())
                .build();
    }

    private Behavior<Command> onWeights(WeightsUpdated updated) {
        WeightCache.Update update = updated.update();
        boolean onCadence = lastEvaluated == Long.MIN_VALUE || update.version() >= lastEvaluated + setup.everyVersions();
        boolean due = update.version() != lastEvaluated && (update.last() || onCadence);
        if (due || (pending != null && pending.last())) {
            // Only the newest due version is evaluated: a slow evaluation skips, never queues up.
            WeightCache.Update kept = pending != null && pending.last() ? pending : update;
            if (pending != null && pending != kept) {
                pending.snapshot().close();
            }
            if (kept != update) {
                update.snapshot().close();
            }
            pending = kept;
            scheduleEvaluation();
        } else {
            update.snapshot().close(); // not due: nothing will load it
        }
        return this;
    }

    private void scheduleEvaluation() {
        if (pending != null && !evaluationScheduled && !judging) {
            evaluationScheduled = true;
            getContext().getSelf().tell(EvaluatePending.INSTANCE);
        }
    }

    /** Samples the pending version here, then hands the responses to the judge off this thread. */
    private Behavior<Command> onEvaluatePending() {
        evaluationScheduled = false;
        if (pending == null || judging) {
            return this;
        }
        WeightCache.Update update = pending;
        pending = null;
        TorchThreads.limit(run.torchThreads());
        if (referenceResponses == null) {
            sampleReference();
        }
        SampledResponses responses;
        // The policy copy lives for one evaluation: between evaluations (50 versions apart by
        // default) its weights would sit idle in memory the other roles of this process need.
        try (NDManager scope = manager.newSubManager(); WeightSnapshot snapshot = update.snapshot()) {
            responses = sample(run.frozenCopy(snapshot, scope, setup.device(), setup.settings().precision()));
        }
        lastEvaluated = update.version();
        judging = true;
        List<String> policyTexts = responses.texts();
        List<String> referenceTexts = referenceResponses;
        getContext().pipeToSelf(judgeCalls.run(() -> WinRate.judge(judge, prompts, policyTexts, referenceTexts)),
                (winRate, failure) -> new Judged(update, responses.meanLength(), winRate, failure));
        return this;
    }

    private Behavior<Command> onJudged(Judged judged) {
        judging = false;
        if (judged.failure() != null) {
            Throwable failure = judged.failure() instanceof CompletionException && judged.failure().getCause() != null
                    ? judged.failure().getCause() : judged.failure();
            // As if the judge had failed here: the evaluator restarts and evaluates the newest version again.
            throw new IllegalStateException("judging v" + judged.update().version() + " failed: " + failure, failure);
        }
        WeightCache.Update update = judged.update();
        double winRate = judged.winRate().mean();
        setup.metrics().evaluated(update.version(), winRate, judged.meanLength(), referenceMeanLength);
        monitor.tell(new Monitor.Evaluated(new EvalRecord(
                update.step(), update.version(), winRate, judged.meanLength(), referenceMeanLength,
                (System.nanoTime() - startedNanos) / 1e9)));
        getContext().getLog().debug("v{}: win rate {} over the reference", update.version(), winRate);
        scheduleEvaluation();
        return this;
    }

    private void sampleReference() {
        try (NDManager scope = manager.newSubManager()) {
            SampledResponses responses = sample(run.frozenReference(scope, setup.device(), setup.settings().precision()));
            referenceResponses = responses.texts();
            referenceMeanLength = responses.meanLength();
        }
    }

    /** Samples one response per prompt with a fixed seed. */
    private SampledResponses sample(LanguageModel model) {
        return SampledResponses.sample(model, run.tokenizer(), sampler, manager, prompts,
                setup.settings().batchSize(), run.seed());
    }

    private Behavior<Command> onStop() {
        if (pending != null) {
            pending.snapshot().close();
            pending = null;
        }
        manager.close();
        return this;
    }
}
