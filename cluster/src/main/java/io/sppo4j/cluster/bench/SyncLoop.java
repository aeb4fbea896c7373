package io.sppo4j.cluster.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.sppo4j.actors.Pipeline;
import io.sppo4j.actors.RunSetup;
import io.sppo4j.actors.data.JudgedGroup;
import io.sppo4j.actors.data.RolloutGroup;
import io.sppo4j.actors.data.Sample;
import io.sppo4j.actors.training.GroupTrainer;
import io.sppo4j.model.judge.PreferenceMatrices;
import io.sppo4j.model.judge.PreferenceModel;
import io.sppo4j.model.nd.TorchThreads;
import io.sppo4j.model.optim.Optimizer;
import io.sppo4j.model.optim.LearningRateSchedule;
import io.sppo4j.model.policy.LanguageModel;
import io.sppo4j.model.sampling.Generation;
import io.sppo4j.model.sampling.PolicyLogits;
import io.sppo4j.model.sampling.Sampler;
import io.sppo4j.model.tokenizer.Tokenizer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The official SPPO scripts' way, with this project's components: sample a batch with the
 * current policy, judge it, train on it, and only then sample again. Nothing overlaps, so each
 * phase waits for the other; the times of the two phases give the speedup overlapping could reach.
 * The loop keeps its policy and optimiser between calls to {@link #runFor}, so the benchmark can
 * interleave lockstep windows with asynchronous ones.
 */
final class SyncLoop implements AutoCloseable {

    /** What lockstep windows measured, summed. */
    record Measured(long samples, double seconds, double generateSeconds, double trainSeconds, long steps) {

        static final Measured NONE = new Measured(0, 0, 0, 0, 0);

        Measured plus(Measured other) {
            return new Measured(samples + other.samples, seconds + other.seconds,
                    generateSeconds + other.generateSeconds, trainSeconds + other.trainSeconds, steps + other.steps);
        }

        double samplesPerSecond() {
            return samples / seconds;
        }

        /** (t_gen + t_train) / max(t_gen, t_train): the speedup of perfectly overlapping the two. */
        double idealSpeedup() {
            return (generateSeconds + trainSeconds) / Math.max(generateSeconds, trainSeconds);
        }
    }

    private final Pipeline.Setup setup;
    private final Tokenizer tokenizer;
    private final PreferenceModel judge;
    private final Sampler sampler;
    private final SplittableRandom prompts;
    private final NDManager manager;
    private final LanguageModel policy;
    private final Optimizer optimizer;
    private final GroupTrainer trainer;
    private final PolicyLogits source;
    private long step;

    SyncLoop(Pipeline.Setup setup) {
        this.setup = setup;
        RunSetup run = setup.run();
        TorchThreads.limit(run.torchThreads());
        tokenizer = run.tokenizer();
        judge = run.task().judge();
        sampler = new Sampler(setup.rollout().sampling(), tokenizer);
        prompts = new SplittableRandom(run.seed());
        manager = NDManager.newBaseManager(Device.cpu());
        policy = run.policyFactory().create(manager, Device.cpu());
        optimizer = setup.learner().optimizer().create(
                new LearningRateSchedule.Constant(setup.learner().optimizer().learningRate()));
        run.reference().importInto(policy);
        policy.setTrainable(true);
        trainer = GroupTrainer.create(run.algorithm(), policy, null, optimizer, tokenizer.pad(), setup.learner().microBatchTokens());
        source = new PolicyLogits(policy);
    }

    /** Runs {@code steps} unmeasured steps (JIT, allocator and caches warm up). */
    void warmUp(int steps) {
        for (int i = 0; i < steps; i++) {
            step();
        }
    }

    /** Runs whole steps until {@code window} has passed and returns what they measured. */
    Measured runFor(Duration window) {
        long started = System.nanoTime();
        long deadline = started + window.toNanos();
        double generate = 0;
        double train = 0;
        long steps = 0;
        while (System.nanoTime() < deadline) {
            long[] phases = step();
            generate += phases[0] / 1e9;
            train += phases[1] / 1e9;
            steps++;
        }
        long samples = steps * setup.learner().groupsPerStep() * setup.rollout().groupSize();
        return new Measured(samples, (System.nanoTime() - started) / 1e9, generate, train, steps);
    }

    /** One lockstep step; returns the nanoseconds spent generating+judging and training. */
    private long[] step() {
        int k = setup.rollout().groupSize();
        int groups = setup.learner().groupsPerStep();
        long started = System.nanoTime();
        List<JudgedGroup> batch = new ArrayList<>(groups);
        List<String> texts = new ArrayList<>(groups);
        List<int[]> ids = new ArrayList<>(groups * k);
        for (int g = 0; g < groups; g++) {
            String prompt = setup.run().task().trainingPrompt(prompts);
            texts.add(prompt);
            for (int i = 0; i < k; i++) {
                ids.add(tokenizer.encodePrompt(prompt));
            }
        }
        Generation generation = sampler.generate(source, manager, ids, step);
        for (int g = 0; g < groups; g++) {
            List<Sample> group = new ArrayList<>(k);
            List<String> responses = new ArrayList<>(k);
            for (int i = 0; i < k; i++) {
                Generation.Sequence sequence = generation.sequences().get(g * k + i);
                String text = tokenizer.decode(sequence.tokens());
                responses.add(text);
                group.add(new Sample(sequence.tokens(), text, (float) sequence.policyLogProb(),
                        (float) sequence.samplingLogProb(), false));
            }
            double[][] preferences = judge.preferences(texts.get(g), responses);
            batch.add(new JudgedGroup(
                    new RolloutGroup(step * groups + g, texts.get(g), ids.get(g * k), group, step, "sync", 0, 0),
                    preferences, PreferenceMatrices.winRates(preferences),
                    PreferenceMatrices.cyclicTriadShare(preferences), "sync"));
        }
        long generated = System.nanoTime();
        trainer.train(batch);
        long trained = System.nanoTime();
        step++;
        return new long[] {generated - started, trained - generated};
    }

    @Override
    public void close() {
        optimizer.close();
        policy.close();
        manager.close();
    }
}
