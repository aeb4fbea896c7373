package io.sppo4j.cluster.bench;

import ai.djl.ndarray.NDManager;
import io.sppo4j.model.hf.HfCausalModel;
import io.sppo4j.model.nd.Autograd;
import io.sppo4j.model.sampling.Generation;
import io.sppo4j.model.sampling.PolicyLogits;
import io.sppo4j.model.sampling.Sampler;
import io.sppo4j.model.sampling.SamplingConfig;
import io.sppo4j.model.scoring.SequenceScorer;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The inference phases of {@code bench llm}: decoding (the prompt's pass timed apart from the
 * tokens after it) and teacher-forced scoring, on prompts of random token ids.
 */
final class DecodePhases {

    /** Decoding of {@code batch} sequences: seconds per decoded position after the prompt's pass. */
    record Decode(int batch, int newTokens, double prefillSeconds, double secondsPerStep, Generation generation) {

        double tokensPerSecond() {
            return batch / secondsPerStep;
        }
    }

    private final int promptTokens;
    private final int newTokens;
    private final int eos;
    private final long seed;

    DecodePhases(int promptTokens, int newTokens, int eos, long seed) {
        this.promptTokens = promptTokens;
        this.newTokens = newTokens;
        this.eos = eos;
        this.seed = seed;
    }

    /** Prompts of random ids below {@code vocab}, all of {@link #promptTokens} tokens. */
    List<int[]> prompts(int batch, int vocab) {
        SplittableRandom random = new SplittableRandom(seed);
        List<int[]> prompts = new ArrayList<>();
        for (int i = 0; i < batch; i++) {
            int[] prompt = new int[promptTokens];
            for (int t = 0; t < promptTokens; t++) {
                prompt[t] = random.nextInt(vocab);
            }
            prompts.add(prompt);
        }
        return prompts;
    }

    /**
     * Decodes once with one new token (the prompt's pass and one step) and once with all of them,
     * after a warm-up; the difference over the extra steps is the time of a step. Each is timed
     * {@link #REPEATS} times and its best kept, as the machine's limits keep their best run: on a
     * shared machine a slower run measures the neighbours. EOS is ignored so every sequence
     * decodes every position.
     */
    Decode decode(HfCausalModel model, int batch) {
        List<int[]> prompts = prompts(batch, model.vocabSize());
        Sampler full = new Sampler(SamplingConfig.ancestral(newTokens).withStopOnEos(false), eos, eos);
        Sampler one = new Sampler(SamplingConfig.ancestral(1).withStopOnEos(false), eos, eos);
        PolicyLogits source = new PolicyLogits(model);
        double prefill = Double.MAX_VALUE;
        double total = Double.MAX_VALUE;
        Generation generation = null;
        try (NDManager manager = model.manager().newSubManager()) {
            one.generate(source, manager, prompts, seed); // warm-up: kernels, allocator, caches
            for (int repeat = 0; repeat < REPEATS; repeat++) {
                long start = System.nanoTime();
                one.generate(source, manager, prompts, seed);
                prefill = Math.min(prefill, (System.nanoTime() - start) / 1e9);
                start = System.nanoTime();
                generation = full.generate(source, manager, prompts, seed); // the same tokens each time (same seed)
                total = Math.min(total, (System.nanoTime() - start) / 1e9);
            }
        }
        return new Decode(batch, newTokens, prefill, (total - prefill) / (newTokens - 1), generation);
    }

    /** Timed decoding runs per measurement. */
    private static final int REPEATS = 3;

    /** Teacher-forced scoring of the prompts and responses of {@code decode}, without gradients: tokens per second. */
    double scoringTokensPerSecond(HfCausalModel model, Decode decode) {
        List<int[]> prompts = prompts(decode.batch(), model.vocabSize());
        List<int[]> responses = responses(decode.generation());
        SequenceScorer scorer = new SequenceScorer(eos);
        double best = Double.MAX_VALUE;
        for (int run = 0; run < 3; run++) {
            try (Autograd.Scope inference = Autograd.paused(); NDManager scope = model.manager().newSubManager()) {
                long start = System.nanoTime();
                scorer.score(model, scope, prompts, responses, false).sequenceLogProbs().toFloatArray();
                best = Math.min(best, (System.nanoTime() - start) / 1e9);
            }
        }
        return (double) decode.batch() * (promptTokens + newTokens) / best;
    }

    /**
     * How far the sampler's per-token log-probabilities (in the sampling model's precision) are
     * from teacher-forced float32 scores of the same tokens: {mean, max} absolute difference.
     */
    double[] logProbDistance(HfCausalModel float32, Decode decode) {
        List<int[]> prompts = prompts(decode.batch(), float32.vocabSize());
        List<int[]> responses = responses(decode.generation());
        float[] scored;
        try (Autograd.Scope inference = Autograd.paused(); NDManager scope = float32.manager().newSubManager()) {
            scored = new SequenceScorer(eos).score(float32, scope, prompts, responses, false).tokenLogProbs().toFloatArray();
        }
        double sum = 0;
        double max = 0;
        int count = 0;
        for (int row = 0; row < responses.size(); row++) {
            float[] sampled = decode.generation().sequences().get(row).policyLogProbs();
            for (int t = 0; t < sampled.length; t++) {
                double difference = Math.abs(sampled[t] - scored[row * newTokens + t]);
                sum += difference;
                max = Math.max(max, difference);
                count++;
            }
        }
        return new double[] {sum / Math.max(1, count), max};
    }

    static List<int[]> responses(Generation generation) {
        List<int[]> responses = new ArrayList<>();
        for (Generation.Sequence sequence : generation.sequences()) {
            responses.add(sequence.tokens());
        }
        return responses;
    }
}
