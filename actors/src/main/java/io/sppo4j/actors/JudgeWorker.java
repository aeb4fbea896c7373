package io.sppo4j.actors;

import io.sppo4j.actors.data.JudgedGroup;
import io.sppo4j.actors.data.RolloutGroup;
import io.sppo4j.actors.data.Sample;
import io.sppo4j.actors.metrics.JudgeMetrics;
import io.sppo4j.model.judge.JudgeUnavailableException;
import io.sppo4j.model.judge.PreferenceMatrices;
import io.sppo4j.model.judge.PreferenceModel;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
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
 * Turns a rollout group into a judged group: the K×K preference matrix from the judge, each
 * response's win rate against the others, and how intransitive the judge was on it. Registers
 * with the receptionist so rollout workers anywhere find it.
 *
 * <p>The judge runs through {@link JudgeCalls}, one group at a time per worker, never on the
 * actor's own thread: an LLM judge waits seconds on its server, and that wait must not hold a
 * thread of the compute dispatcher the rollout workers and the learner sample and train on.
 * Groups that arrive meanwhile queue here; credits bound how many can.
 *
 * <p>A group the judge cannot judge (its server is unavailable after every retry, or it returned
 * an invalid matrix) is counted and handed back to the learner as {@link Learner.GroupFailed}:
 * the learner takes its credit back and hands out new work, so the group is redone, never
 * dropped in silence and never given made-up preferences.
 */
public final class JudgeWorker extends AbstractBehavior<JudgeWorker.Command> {

    public static final ServiceKey<Command> KEY = ServiceKey.create(Command.class, "sppo4j-judge");

    public sealed interface Command extends SppoMessage {}

    public record Judge(RolloutGroup group) implements Command {}

    /** The judge's verdict on a group, or why there is none. */
    private record Judged(RolloutGroup group, double[][] preferences, Throwable failure, long startedNanos)
            implements Command, LocalOnly {}

    /**
     * @param torchThreads PyTorch threads of a judge call that computes (a reward model)
     */
    public static Behavior<Command> create(
            String name, PreferenceModel judge, int torchThreads, ActorRef<Learner.Command> learner, JudgeMetrics metrics) {
        return Behaviors.setup(context -> {
            context.getSystem().receptionist().tell(Receptionist.register(KEY, context.getSelf()));
            JudgeCalls calls = new JudgeCalls(context.getSystem(), torchThreads);
            return new JudgeWorker(context, name, judge, calls, learner, metrics);
        });
    }

    private final String name;
    private final PreferenceModel judge;
    private final ActorRef<Learner.Command> learner;
    private final JudgeMetrics metrics;
    private final JudgeCalls judgeCalls;
    private final Deque<RolloutGroup> waiting = new ArrayDeque<>();
    private RolloutGroup judging;

    private JudgeWorker(
            ActorContext<Command> context, String name, PreferenceModel judge, JudgeCalls judgeCalls,
            ActorRef<Learner.Command> learner, JudgeMetrics metrics) {
        super(context);
        context.setLoggerName(JudgeWorker.class);
        this.name = name;
        this.judge = judge;
        this.learner = learner;
        this.metrics = metrics;
        this.judgeCalls = judgeCalls;
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Judge.class, this::onJudge)
                .onMessage(Judged.class, this::onJudged)
                .onSignal(PreRestart.class, signal -> handBackWaiting(false))
                .onSignal(PostStop.class, signal -> handBackWaiting(true))
                .build();
    }

    private Behavior<Command> onJudge(Judge request) {
        learner.tell(new Learner.Judging(request.group().creditId(), getContext().getSelf()));
        waiting.add(request.group());
        judgeNext();
        return this;
    }

    private void judgeNext() {
        if (judging != null || waiting.isEmpty()) {
            return;
        }
        RolloutGroup group = waiting.poll();
        judging = group;
        List<String> responses = new ArrayList<>(group.size());
        for (Sample sample : group.samples()) {
            responses.add(sample.text());
        }
        long started = System.nanoTime();
        CompletableFuture<double[][]> verdict = judgeCalls.run(() -> judge.preferences(group.prompt(), responses));
        getContext().pipeToSelf(verdict, (preferences, failure) -> new Judged(group, preferences, failure, started));
    }

    private Behavior<Command> onJudged(Judged judged) {
        RolloutGroup group = judged.group();
        if (judging == group) {
            judging = null; // else a verdict started before a restart: the new incarnation's own is still out
        }
        metrics.timed(name, (System.nanoTime() - judged.startedNanos()) / 1e9);
        Throwable failure = judged.failure() instanceof CompletionException && judged.failure().getCause() != null
                ? judged.failure().getCause() : judged.failure();
        double[][] preferences = judged.preferences();
        if (failure == null) {
            try {
                PreferenceMatrices.validate(preferences, "judge " + judge.name() + " on credit " + group.creditId());
            } catch (IllegalArgumentException invalid) {
                failure = invalid;
            }
        }
        if (failure != null) {
            handBack(group, failure);
        } else {
            double cyclic = PreferenceMatrices.cyclicTriadShare(preferences);
            metrics.judged(name, group.size(), cyclic);
            learner.tell(new Learner.GroupJudged(
                    new JudgedGroup(group, preferences, PreferenceMatrices.winRates(preferences), cyclic, name)));
        }
        judgeNext();
        return this;
    }

    /** The group is not judged: count it and give its credit back, so the learner has the work redone. */
    private void handBack(RolloutGroup group, Throwable failure) {
        boolean unavailable = failure instanceof JudgeUnavailableException;
        metrics.failed(name, unavailable ? JudgeMetrics.UNAVAILABLE : JudgeMetrics.ERROR);
        if (unavailable) {
            getContext().getLog().warn("judge {} unavailable for credit {}; its credit goes back to the learner: {}",
                    name, group.creditId(), failure.getMessage());
        } else {
            getContext().getLog().warn("judge {} failed on credit {}; its credit goes back to the learner",
                    name, group.creditId(), failure);
        }
        learner.tell(new Learner.GroupFailed(group.creditId(), failure.toString()));
    }

    /**
     * The worker stops or restarts: queued groups go back to the learner at once rather than
     * when their credits time out. A group being judged when the worker restarts still gets its
     * verdict (it comes to the same actor reference); when the worker stops, it goes back too.
     */
    private Behavior<Command> handBackWaiting(boolean stopping) {
        if (stopping && judging != null) {
            waiting.addFirst(judging);
        }
        for (RolloutGroup group : waiting) {
            learner.tell(new Learner.GroupFailed(group.creditId(), "judge " + name + " stopped before judging it"));
        }
        waiting.clear();
        return this;
    }
}
