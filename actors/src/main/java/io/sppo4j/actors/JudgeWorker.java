package io.sppo4j.actors;

import io.sppo4j.actors.data.JudgedGroup;
import io.sppo4j.actors.data.RolloutGroup;
import io.sppo4j.actors.data.Sample;
import io.sppo4j.actors.metrics.JudgeMetrics;
import io.sppo4j.model.judge.PreferenceMatrices;
import io.sppo4j.model.judge.PreferenceModel;

import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/**
 * Turns a rollout group into a judged group: the K×K preference matrix from the task's judge,
 * each response's win rate against the others, and how intransitive the judge was on it.
 * Registers with the receptionist so rollout workers anywhere find it.
 */
public final class JudgeWorker extends AbstractBehavior<JudgeWorker.Command> {

    public static final ServiceKey<Command> KEY = ServiceKey.create(Command.class, "sppo4j-judge");

    public sealed interface Command extends SppoMessage {}

    public record Judge(RolloutGroup group) implements Command {}

    public static Behavior<Command> create(
            String name, PreferenceModel judge, ActorRef<Learner.Command> learner, JudgeMetrics metrics) {
        return Behaviors.setup(context -> {
            context.getSystem().receptionist().tell(Receptionist.register(KEY, context.getSelf()));
            return new JudgeWorker(context, name, judge, learner, metrics);
        });
    }

    private final String name;
    private final PreferenceModel judge;
    private final ActorRef<Learner.Command> learner;
    private final JudgeMetrics metrics;

    private JudgeWorker(
            ActorContext<Command> context, String name, PreferenceModel judge, ActorRef<Learner.Command> learner,
            JudgeMetrics metrics) {
        super(context);
        context.setLoggerName(JudgeWorker.class);
        this.name = name;
        this.judge = judge;
        this.learner = learner;
        this.metrics = metrics;
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder().onMessage(Judge.class, this::onJudge).build();
    }

    private Behavior<Command> onJudge(Judge request) {
        RolloutGroup group = request.group();
        List<String> responses = new ArrayList<>(group.size());
        for (Sample sample : group.samples()) {
            responses.add(sample.text());
        }
        double[][] preferences;
        try {
            preferences = judge.preferences(group.prompt(), responses);
            PreferenceMatrices.validate(preferences, "judge " + judge.name() + " on credit " + group.creditId());
        } catch (RuntimeException e) {
            // A judge that fails on one group must not take the credit with it: the learner
            // hands the prompt out again.
            getContext().getLog().warn("judge {} failed on credit {}: {}", name, group.creditId(), e.toString());
            learner.tell(new Learner.GroupFailed(group.creditId(), e.toString()));
            return this;
        }
        double cyclic = PreferenceMatrices.cyclicTriadShare(preferences);
        metrics.judged(name, group.size(), cyclic);
        learner.tell(new Learner.GroupJudged(
                new JudgedGroup(group, preferences, PreferenceMatrices.winRates(preferences), cyclic, name)));
        return this;
    }
}
