package io.sppo4j.cluster.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.sppo4j.actors.Pipeline;
import io.sppo4j.actors.data.JudgedGroup;
import io.sppo4j.actors.data.RolloutGroup;
import io.sppo4j.actors.data.Sample;
import io.sppo4j.actors.training.GroupTrainer;
import io.sppo4j.model.judge.PreferenceMatrices;
import io.sppo4j.model.judge.PreferenceModel;
import io.sppo4j.model.nd.TorchThreads;
import io.sppo4j.model.optim.AdamW;
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
 */
final class SyncLoop {

    /** What a lockstep run measured. */
    record Measured(long samples, double seconds, double generateSeconds, double trainSeconds, long steps) {

        double samplesPerSecond() {
            return samples / seconds;
        }

        /** (t_gen + t_train) / max(t_gen, t_train): the speedup of perfectly overlapping the two. */
        double idealSpeedup() {
            return (generateSeconds + trainSeconds) / Math.max(generateSeconds, trainSeconds);
        }
    }

    private SyncLoop() {}

    static Measured run(Pipeline.Setup setup, Duration duration, int warmupSteps) {
        TorchThreads.limit(setup.torchThreads());
        Tokenizer tokenizer = setup.tokenizer();
        PreferenceModel judge = setup.task().judge();
        Sampler sampler = new Sampler(setup.rollout().sampling(), tokenizer);
        int k = setup.rollout().groupSize();
        int groups = setup.learner().groupsPerStep();
        SplittableRandom prompts = new SplittableRandom(setup.seed());
        try (NDManager manager = NDManager.newBaseManager(Device.cpu());
                LanguageModel policy = setup.policyFactory().create(manager, Device.cpu());
                AdamW optimizer = new AdamW(setup.learner().optimizer(),
                        new LearningRateSchedule.Constant(setup.learner().optimizer().learningRate()))) {
            setup.reference().importInto(policy);
            policy.setTrainable(true);
            GroupTrainer trainer = GroupTrainer.create(setup.algorithm(), policy, null, optimizer, tokenizer.pad());
            PolicyLogits source = new PolicyLogits(policy);
            long samples = 0;
            double generate = 0;
            double train = 0;
            long steps = 0;
            long measuredFrom = 0;
            long deadline = Long.MAX_VALUE;
            for (long step = 0; System.nanoTime() < deadline; step++) {
                if (step == warmupSteps) {
                    measuredFrom = System.nanoTime();
                    deadline = measuredFrom + duration.toNanos();
                    samples = 0;
                    generate = 0;
                    train = 0;
                    steps = 0;
                }
                long started = System.nanoTime();
                List<JudgedGroup> batch = new ArrayList<>(groups);
                List<String> texts = new ArrayList<>(groups);
                List<int[]> ids = new ArrayList<>(groups * k);
                for (int g = 0; g < groups; g++) {
                    String prompt = setup.task().trainingPrompt(prompts);
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
                generate += (generated - started) / 1e9;
                train += (trained - generated) / 1e9;
                samples += (long) groups * k;
                steps++;
            }
            return new Measured(samples, (System.nanoTime() - measuredFrom) / 1e9, generate, train, steps);
        }
    }
}
