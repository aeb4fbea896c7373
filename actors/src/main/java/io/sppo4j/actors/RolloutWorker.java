package io.sppo4j.actors;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.sppo4j.actors.data.Credit;
import io.sppo4j.actors.data.RolloutGroup;
import io.sppo4j.actors.data.Sample;
import io.sppo4j.actors.metrics.RolloutMetrics;
import io.sppo4j.actors.settings.RolloutSettings;
import io.sppo4j.model.nd.TorchThreads;
import io.sppo4j.model.policy.LanguageModel;
import io.sppo4j.model.sampling.GeometricMixture;
import io.sppo4j.model.sampling.Generation;
import io.sppo4j.model.sampling.LogitsSource;
import io.sppo4j.model.sampling.PolicyLogits;
import io.sppo4j.model.sampling.Sampler;
import io.sppo4j.model.tokenizer.Tokenizer;
import io.sppo4j.model.train.Algorithm;
import io.sppo4j.model.weights.WeightSnapshot;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.PreRestart;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/**
 * Samples groups of K responses with a local copy of the policy, one batch of credits at a
 * time, and hands each group to a judge.
 *
 * <p>Every batch is one message: new weights arriving meanwhile wait in the mailbox and are
 * swapped in before the next batch, so a sequence never mixes two versions. Versions only move
 * forward. The worker asks the learner for credits before it runs out, so sampling continues
 * while the answer travels, and never holds more than {@code prefetch} credits.
 */
public final class RolloutWorker extends AbstractBehavior<RolloutWorker.Command> {

    public sealed interface Command extends SppoMessage {}

    /** Credits granted by the learner. */
    public record Credits(List<Credit> credits) implements Command {
        public Credits {
            credits = List.copyOf(credits);
        }
    }

    private record WeightsUpdated(WeightCache.Update update) implements Command, LocalOnly {}

    private record JudgesChanged(Receptionist.Listing listing) implements Command, LocalOnly {}

    private enum SampleNext implements Command, LocalOnly {
        INSTANCE
    }

    private enum RetryRequest implements Command, LocalOnly {
        INSTANCE
    }

    /** A request the learner has not answered in this long is sent again (the learner may have moved). */
    private static final Duration REQUEST_RETRY = Duration.ofSeconds(3);

    /**
     * What a worker is built from besides the run's shared setup and its collaborators' addresses.
     *
     * @param name unique across the cluster; with the run's seed it seeds the worker's sampling
     * @param judges the receptionist key under which the judges it sends groups to register
     */
    public record Setup(
            RunSetup run,
            String name,
            RolloutSettings settings,
            Device device,
            ServiceKey<JudgeWorker.Command> judges,
            RolloutMetrics metrics) {

        /** The seed of this worker's sampling: the run's, told apart by the worker's name. */
        long seed() {
            return run.seed() + 7919L * name.hashCode();
        }
    }

    public static Behavior<Command> create(
            Setup setup, ActorRef<Learner.Command> learner, ActorRef<WeightCache.Command> weightCache) {
        return Behaviors.withTimers(timers -> Behaviors.setup(context -> {
            timers.startTimerWithFixedDelay(RetryRequest.INSTANCE, REQUEST_RETRY);
            return new RolloutWorker(context, setup, learner, weightCache);
        }));
    }

    private final Setup setup;
    private final ActorRef<Learner.Command> learner;
    private final NDManager manager;
    private final LanguageModel policy;
    private final LogitsSource policySource;
    private final LogitsSource mixtureSource;
    private final Sampler sampler;
    private final Deque<Credit> credits = new ArrayDeque<>();
    private final List<ActorRef<JudgeWorker.Command>> judges = new ArrayList<>();
    private long version = -1;
    private WeightCache.Update pendingWeights;
    private boolean requestOutstanding;
    private long requestSentNanos;
    private boolean sampleScheduled;
    private long batches;
    private int nextJudge;

    private RolloutWorker(
            ActorContext<Command> context, Setup setup, ActorRef<Learner.Command> learner,
            ActorRef<WeightCache.Command> weightCache) {
        super(context);
        context.setLoggerName(RolloutWorker.class);
        this.setup = setup;
        this.learner = learner;
        TorchThreads.limit(setup.run().torchThreads());
        this.manager = NDManager.newBaseManager(setup.device());
        this.policy = setup.run().policyFactory().in(setup.settings().precision()).create(manager, setup.device());
        policy.setTrainable(false);
        if (policy.decodeWithPackedFp16Weights(setup.settings().packedFp16Weights())) {
            context.getLog().info("decoding on float16-packed copies of the weights (sppo4j.rollout.fp16-packed-weights)");
        }
        this.policySource = new PolicyLogits(policy);
        this.mixtureSource = setup.run().algorithm().algorithm().sampling() == Algorithm.Sampling.POLICY
                ? null : mixture(setup);
        this.sampler = new Sampler(setup.settings().sampling(), setup.run().tokenizer());
        weightCache.tell(new WeightCache.Subscribe(
                context.messageAdapter(WeightCache.Update.class, WeightsUpdated::new)));
        context.getSystem().receptionist().tell(Receptionist.subscribe(
                setup.judges(), context.messageAdapter(Receptionist.Listing.class, JudgesChanged::new)));
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Credits.class, this::onCredits)
                .onMessage(WeightsUpdated.class, this::onWeights)
                .onMessage(JudgesChanged.class, this::onJudges)
                .onMessageEquals(SampleNext.INSTANCE, this::onSampleNext)
                .onMessageEquals(RetryRequest.INSTANCE, this::onRetryRequest)
                .onSignal(PreRestart.class, signal -> onStop())
                .onSignal(PostStop.class, signal -> onStop())
                .build();
    }

    private Behavior<Command> onCredits(Credits granted) {
        requestOutstanding = false;
        credits.addAll(granted.credits());
        // A partial grant: keep a request waiting at the learner for the rest.
        requestCredits();
        scheduleSampling();
        return this;
    }

    private Behavior<Command> onWeights(WeightsUpdated updated) {
        long held = pendingWeights != null ? pendingWeights.version() : version;
        if (updated.update().version() > held) {
            if (pendingWeights != null) {
                pendingWeights.snapshot().close(); // superseded before it was loaded
            }
            pendingWeights = updated.update();
        } else {
            updated.update().snapshot().close();
        }
        if (version < 0) {
            // The first weights: load them now and start asking for work.
            swapWeights();
            requestCredits();
        }
        scheduleSampling();
        return this;
    }

    private Behavior<Command> onJudges(JudgesChanged changed) {
        judges.clear();
        judges.addAll(changed.listing().getServiceInstances(setup.judges()));
        scheduleSampling();
        return this;
    }

    private Behavior<Command> onSampleNext() {
        sampleScheduled = false;
        // The sequence boundary: the only place the weights change.
        swapWeights();
        if (version < 0 || judges.isEmpty() || credits.isEmpty()) {
            requestCredits();
            return this;
        }
        List<Credit> batch = new ArrayList<>();
        while (batch.size() < setup.settings().groupsPerBatch() && !credits.isEmpty()) {
            batch.add(credits.poll());
        }
        // Ask for the next credits before sampling, so the answer arrives while we work.
        requestCredits();
        sample(batch);
        scheduleSampling();
        return this;
    }

    /** π_θ^(1−α)·π_ref^α from the policy copy and the reference (read off it, or a frozen copy). */
    private LogitsSource mixture(Setup setup) {
        RunSetup run = setup.run();
        if (run.reference() == null) {
            throw new IllegalArgumentException(run.algorithm().algorithm().configName() + " samples from a mixture"
                    + " with the reference, but the worker was given no reference weights");
        }
        // The policy still holds its starting weights here, which are the reference's.
        LanguageModel reference = run.referenceFor(policy, manager, setup.device(), setup.settings().precision());
        return new GeometricMixture(policySource, new PolicyLogits(reference), run.algorithm().alpha());
    }

    private void sample(List<Credit> batch) {
        TorchThreads.limit(setup.run().torchThreads());
        int k = setup.settings().groupSize();
        Tokenizer tokenizer = setup.run().tokenizer();
        int fromMixture = switch (setup.run().algorithm().algorithm().sampling()) {
            case POLICY -> 0;
            case MIXTURE -> k;
            case POLICY_AND_MIXTURE -> k / 2;
        };
        List<int[]> promptTokens = new ArrayList<>(batch.size());
        for (Credit credit : batch) {
            promptTokens.add(tokenizer.encodePrompt(credit.prompt()));
        }
        long started = System.nanoTime();
        long seed = setup.seed() * 1_000_003L + batches++;
        List<List<Sample>> groups = new ArrayList<>();
        for (int g = 0; g < batch.size(); g++) {
            groups.add(new ArrayList<>(k));
        }
        sampleInto(groups, policySource, promptTokens, k - fromMixture, seed, false);
        sampleInto(groups, mixtureSource, promptTokens, fromMixture, seed ^ 0x3C3C3C3CL, true);
        long millis = (System.nanoTime() - started) / 1_000_000;
        long now = System.currentTimeMillis();
        for (int g = 0; g < batch.size(); g++) {
            Credit credit = batch.get(g);
            RolloutGroup group = new RolloutGroup(
                    credit.id(), credit.prompt(), promptTokens.get(g), groups.get(g), version, setup.name(), now, millis);
            judges.get(nextJudge++ % judges.size()).tell(new JudgeWorker.Judge(group));
        }
    }

    /** Samples {@code perPrompt} responses to each prompt in one batched call and appends them to its group. */
    private void sampleInto(
            List<List<Sample>> groups, LogitsSource source, List<int[]> promptTokens, int perPrompt, long seed,
            boolean fromMixture) {
        if (perPrompt == 0) {
            return;
        }
        List<int[]> prompts = new ArrayList<>(promptTokens.size() * perPrompt);
        for (int[] ids : promptTokens) {
            for (int i = 0; i < perPrompt; i++) {
                prompts.add(ids);
            }
        }
        Generation generation = sampler.generate(source, manager, prompts, seed);
        setup.metrics().sampled(setup.name(), generation.sequences().size(), generation.tokenCount());
        Tokenizer tokenizer = setup.run().tokenizer();
        for (int g = 0; g < promptTokens.size(); g++) {
            for (int i = 0; i < perPrompt; i++) {
                Generation.Sequence sequence = generation.sequences().get(g * perPrompt + i);
                groups.get(g).add(new Sample(
                        sequence.tokens(), tokenizer.decode(sequence.tokens()),
                        (float) sequence.policyLogProb(), (float) sequence.samplingLogProb(), fromMixture));
            }
        }
    }

    private void swapWeights() {
        if (pendingWeights == null || pendingWeights.version() <= version) {
            if (pendingWeights != null) {
                pendingWeights.snapshot().close();
            }
            pendingWeights = null;
            return;
        }
        long started = System.nanoTime();
        try (WeightSnapshot snapshot = pendingWeights.snapshot()) { // its native memory is let go once loaded
            snapshot.importInto(policy);
            version = snapshot.version();
        }
        pendingWeights = null;
        setup.metrics().loaded(setup.name(), version, (System.nanoTime() - started) / 1e9);
    }

    private void requestCredits() {
        int wanted = setup.settings().prefetch() - credits.size();
        if (version < 0 || requestOutstanding || credits.size() >= setup.settings().groupsPerBatch() || wanted <= 0) {
            return;
        }
        requestOutstanding = true;
        requestSentNanos = System.nanoTime();
        learner.tell(new Learner.RequestCredits(getContext().getSelf(), wanted));
    }

    /**
     * A learner that crashed took the request with it; its successor has never heard of this
     * worker. Asking again is harmless: the learner keeps one request per worker.
     */
    private Behavior<Command> onRetryRequest() {
        if (requestOutstanding && System.nanoTime() - requestSentNanos > REQUEST_RETRY.toNanos()) {
            requestOutstanding = false;
            requestCredits();
        }
        return this;
    }

    private void scheduleSampling() {
        if (!sampleScheduled && version >= 0 && !credits.isEmpty() && !judges.isEmpty()) {
            sampleScheduled = true;
            getContext().getSelf().tell(SampleNext.INSTANCE);
        }
    }

    /** Hands unused credits back so their prompts are not lost, then frees the policy. */
    private Behavior<Command> onStop() {
        if (pendingWeights != null) {
            pendingWeights.snapshot().close();
            pendingWeights = null;
        }
        if (!credits.isEmpty()) {
            learner.tell(new Learner.ReturnCredits(credits.stream().map(Credit::id).toList()));
            credits.clear();
        }
        manager.close();
        return this;
    }
}
