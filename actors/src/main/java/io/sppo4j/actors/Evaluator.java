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
import io.sppo4j.model.policy.PolicyFactory;
import io.sppo4j.model.sampling.Sampler;
import io.sppo4j.model.sampling.SamplingConfig;
import io.sppo4j.model.task.Task;
import io.sppo4j.model.tokenizer.Tokenizer;
import io.sppo4j.model.weights.WeightSnapshot;

import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * Every {@code every} versions (and for the final one), samples the policy on held-out prompts
 * and reports the judge's win rate over the frozen reference's responses to the same prompts,
 * with both mean lengths. The reference's responses are sampled once; the policy is sampled
 * with the same seed every time, so successive evaluations differ by the weights alone.
 */
public final class Evaluator extends AbstractBehavior<Evaluator.Command> {

    public sealed interface Command extends SppoMessage {}

    private record WeightsUpdated(WeightCache.Update update) implements Command, LocalOnly {}

    private enum EvaluatePending implements Command, LocalOnly {
        INSTANCE
    }

    /** What the evaluator is built from. */
    public record Setup(
            Task task,
            Tokenizer tokenizer,
            PolicyFactory policyFactory,
            Device device,
            WeightSnapshot reference,
            EvalSettings settings,
            int everyVersions,
            SamplingConfig sampling,
            long seed,
            int torchThreads,
            EvalMetrics metrics) {}

    public static Behavior<Command> create(
            Setup setup, ActorRef<WeightCache.Command> weightCache, ActorRef<Monitor.Command> monitor) {
        return Behaviors.setup(context -> new Evaluator(context, setup, weightCache, monitor));
    }

    private final Setup setup;
    private final ActorRef<Monitor.Command> monitor;
    private final NDManager manager;
    private final LanguageModel policy;
    private final Sampler sampler;
    private final PreferenceModel judge;
    private final List<String> prompts;
    private final long startedNanos = System.nanoTime();
    private List<String> referenceResponses;
    private double referenceMeanLength;
    private WeightCache.Update pending;
    private boolean evaluationScheduled;
    private long lastEvaluated = Long.MIN_VALUE;

    private Evaluator(
            ActorContext<Command> context, Setup setup, ActorRef<WeightCache.Command> weightCache,
            ActorRef<Monitor.Command> monitor) {
        super(context);
        context.setLoggerName(Evaluator.class);
        this.setup = setup;
        this.monitor = monitor;
        this.manager = NDManager.newBaseManager(setup.device());
        this.policy = setup.policyFactory().create(manager, setup.device());
        policy.setTrainable(false);
        this.sampler = new Sampler(setup.sampling(), setup.tokenizer());
        this.judge = setup.task().judge();
        this.prompts = setup.task().heldOutPrompts(setup.settings().prompts(), setup.seed());
        weightCache.tell(new WeightCache.Subscribe(context.messageAdapter(WeightCache.Update.class, WeightsUpdated::new)));
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(WeightsUpdated.class, this::onWeights)
                .onMessageEquals(EvaluatePending.INSTANCE, this::onEvaluatePending)
                .onSignal(PostStop.class, signal -> {
                    if (pending != null) {
                        pending.snapshot().close();
                    }
                    manager.close();
                    return this;
                })
                .build();
    }

    private Behavior<Command> onWeights(WeightsUpdated updated) {
        WeightCache.Update update = updated.update();
        boolean due = update.last()
                || lastEvaluated == Long.MIN_VALUE
                || update.version() >= lastEvaluated + setup.everyVersions();
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
            if (!evaluationScheduled) {
                evaluationScheduled = true;
                getContext().getSelf().tell(EvaluatePending.INSTANCE);
            }
        } else {
            update.snapshot().close(); // not due: nothing will load it
        }
        return this;
    }

    private Behavior<Command> onEvaluatePending() {
        evaluationScheduled = false;
        if (pending == null) {
            return this;
        }
        WeightCache.Update update = pending;
        pending = null;
        TorchThreads.limit(setup.torchThreads());
        if (referenceResponses == null) {
            sampleReference();
        }
        try (WeightSnapshot snapshot = update.snapshot()) {
            snapshot.importInto(policy);
        }
        SampledResponses responses = sample(policy);
        double winRate = WinRate.judge(judge, prompts, responses.texts(), referenceResponses).mean();
        lastEvaluated = update.version();
        setup.metrics().evaluated(update.version(), winRate, responses.meanLength(), referenceMeanLength);
        monitor.tell(new Monitor.Evaluated(new EvalRecord(
                update.step(), update.version(), winRate, responses.meanLength(), referenceMeanLength,
                (System.nanoTime() - startedNanos) / 1e9)));
        getContext().getLog().debug("v{}: win rate {} over the reference", update.version(), winRate);
        return this;
    }

    private void sampleReference() {
        try (NDManager scope = manager.newSubManager()) {
            LanguageModel reference = setup.policyFactory().create(scope, setup.device());
            reference.setTrainable(false);
            setup.reference().importInto(reference);
            SampledResponses responses = sample(reference);
            referenceResponses = responses.texts();
            referenceMeanLength = responses.meanLength();
        }
    }

    /** Samples one response per prompt with a fixed seed. */
    private SampledResponses sample(LanguageModel model) {
        return SampledResponses.sample(model, setup.tokenizer(), sampler, manager, prompts,
                setup.settings().batchSize(), setup.seed());
    }
}
