package io.sppo4j.actors;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.sppo4j.actors.data.JudgedGroup;
import io.sppo4j.actors.settings.LearnerSettings;
import io.sppo4j.actors.settings.Schedule;
import io.sppo4j.actors.training.GroupTrainer;
import io.sppo4j.actors.training.PolicyAverage;
import io.sppo4j.model.checkpoint.Checkpoint;
import io.sppo4j.model.nd.TorchThreads;
import io.sppo4j.model.optim.Optimizer;
import io.sppo4j.model.optim.LearningRateSchedule;
import io.sppo4j.model.policy.LanguageModel;
import io.sppo4j.model.train.UpdateResult;
import io.sppo4j.model.weights.TensorEncoding;
import io.sppo4j.model.weights.WeightSnapshot;

import java.util.List;
import java.util.Optional;

/**
 * The learner's tensors, with one owner: the policy in training (starting from the reference
 * weights), the frozen reference where the method needs one, the optimiser and the method's
 * trainer. Every call limits PyTorch's threads on the calling thread first (the README's
 * threading rule), so the learner's handlers need not remember to.
 */
final class LearnerPolicy implements AutoCloseable {

    private final RunSetup run;
    private final NDManager manager;
    private final LanguageModel policy;
    private final Optimizer optimizer;
    private final GroupTrainer trainer;
    private final PolicyAverage average;
    private final boolean freshOptimizerPerIteration;

    LearnerPolicy(RunSetup run, LearnerSettings settings, Schedule schedule, Device device) {
        this.run = run;
        TorchThreads.limit(run.torchThreads());
        this.manager = NDManager.newBaseManager(device);
        this.optimizer = settings.optimizer().create(learningRates(settings, schedule));
        this.freshOptimizerPerIteration = !schedule.async() && schedule.freshOptimizer();
        try {
            this.policy = run.policyFactory().in(settings.precision()).create(manager, device);
            policy.setTrainable(true);
            run.reference().importInto(policy);
            LanguageModel reference = run.algorithm().algorithm().usesReference()
                    ? run.referenceFor(policy, manager, device, settings.precision().inference()) : null;
            this.trainer = GroupTrainer.create(
                    run.algorithm(), policy, reference, optimizer, run.tokenizer().pad(), settings.microBatchTokens());
            this.average = run.task().finiteResponses().map(PolicyAverage::new).orElse(null);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** The rate by update number, counted from the optimiser's last reset (see {@link #freshOptimizer}). */
    private static LearningRateSchedule learningRates(LearnerSettings settings, Schedule schedule) {
        float peak = settings.optimizer().learningRate();
        long warmup = settings.warmupUpdates(schedule);
        if (settings.decay() == LearnerSettings.Decay.LINEAR) {
            long planned = settings.plannedSteps(schedule);
            if (planned <= warmup) {
                throw new IllegalArgumentException("sppo4j.learner.lr-decay = linear: warm-up (" + warmup
                        + " steps) leaves nothing of the " + planned + " planned steps to decay over");
            }
            return new LearningRateSchedule.LinearWithWarmup(peak, warmup, planned);
        }
        if (warmup == 0) {
            return new LearningRateSchedule.Constant(peak);
        }
        // Warm up linearly, then hold the peak: an online learner has no planned end to decay toward.
        return new LearningRateSchedule.CosineWithWarmup(peak, warmup, warmup + 1L, peak);
    }

    /**
     * An iteration of the iterations schedule starts: with {@code sppo4j.iterations.fresh-optimizer}
     * the optimiser's state and step count are a new one's, so the learning-rate schedule starts
     * again (the official recipe trains each iteration as a separate run).
     */
    void iterationStarts() {
        if (freshOptimizerPerIteration) {
            optimizer.reset();
        }
    }

    /** One optimiser step of the configured method on {@code groups}. */
    UpdateResult train(List<JudgedGroup> groups) {
        TorchThreads.limit(run.torchThreads());
        return trainer.train(groups);
    }

    /** The current weights as version {@code version}. */
    WeightSnapshot export(long version, TensorEncoding encoding) {
        TorchThreads.limit(run.torchThreads());
        return WeightSnapshot.export(policy, version, encoding);
    }

    /** For a task with a finite response set: the policy's distribution now and the average over versions. */
    Optional<PolicyAverage.Distributions> distribution(long version) {
        return average == null ? Optional.empty() : Optional.of(average.record(policy, version));
    }

    LearnerCheckpoints.Resumed restore(LearnerCheckpoints checkpoints, Checkpoint checkpoint) {
        TorchThreads.limit(run.torchThreads());
        return checkpoints.restore(checkpoint, policy, optimizer);
    }

    void save(LearnerCheckpoints checkpoints, long step, long version, LearnerProgress progress, String schedule) {
        TorchThreads.limit(run.torchThreads());
        checkpoints.save(policy, optimizer, step, version, progress, run.task().name(), schedule);
    }

    @Override
    public void close() {
        optimizer.close();
        manager.close();
    }
}
