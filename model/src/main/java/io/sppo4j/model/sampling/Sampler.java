package io.sppo4j.model.sampling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.sppo4j.model.nd.Autograd;
import io.sppo4j.model.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Batched autoregressive generation from a {@link LogitsSource}.
 *
 * <p>Randomness comes from one host generator per row, seeded from (seed, row): the same seed
 * and prompts give the same tokens, and a row's draws do not depend on when other rows stop.
 * The device only receives one uniform number per row per step and inverts the CDF.
 */
public final class Sampler {

    private final SamplingConfig config;
    private final int[] stopTokens;
    private final int pad;

    public Sampler(SamplingConfig config, Tokenizer tokenizer) {
        this(config, tokenizer.stopTokens(), tokenizer.pad());
    }

    public Sampler(SamplingConfig config, int eos, int pad) {
        this(config, new int[] {eos}, pad);
    }

    /** @param stopTokens ids that end a sequence (EOS, and the others a model's generation config lists) */
    public Sampler(SamplingConfig config, int[] stopTokens, int pad) {
        if (stopTokens.length == 0) {
            throw new IllegalArgumentException("a sampler needs at least one stop token id");
        }
        this.config = config;
        this.stopTokens = stopTokens.clone();
        this.pad = pad;
    }

    private boolean stops(int token) {
        for (int stop : stopTokens) {
            if (token == stop) {
                return true;
            }
        }
        return false;
    }

    public SamplingConfig config() {
        return config;
    }

    /** Samples with the KV cache. */
    public Generation generate(LogitsSource source, NDManager manager, List<int[]> prompts, long seed) {
        return generate(source, manager, prompts, seed, true);
    }

    /**
     * @param prompts token ids, each starting with BOS; lengths may differ
     * @param useCache false recomputes the whole prefix at every step (for checks and benchmarks)
     */
    public Generation generate(
            LogitsSource source, NDManager manager, List<int[]> prompts, long seed, boolean useCache) {
        int batch = prompts.size();
        if (batch == 0) {
            return new Generation(List.of(), 0);
        }
        int promptWidth = TokenBatch.maxLength(prompts);
        int maxNew = config.maxNewTokens();
        if (promptWidth + maxNew > source.contextLength()) {
            throw new IllegalArgumentException(
                    "prompt of " + promptWidth + " tokens + max-new-tokens " + maxNew
                            + " exceeds the context length " + source.contextLength());
        }
        SplittableRandom[] random = new SplittableRandom[batch];
        for (int row = 0; row < batch; row++) {
            random[row] = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + row);
        }
        RowState[] rows = new RowState[batch];
        for (int row = 0; row < batch; row++) {
            rows[row] = new RowState(maxNew);
        }
        // Host copy of the key mask, grown by one column per step.
        long[][] mask = new long[batch][];
        for (int row = 0; row < batch; row++) {
            mask[row] = new long[promptWidth + maxNew];
            Arrays.fill(mask[row], promptWidth - prompts.get(row).length, promptWidth, 1L);
        }
        int steps = 0;
        try (Autograd.Scope inference = Autograd.paused();
                NDManager generation = manager.newSubManager(source.device());
                DecodingSession session = source.open(generation, batch, promptWidth + maxNew, useCache)) {
            long[] next = null;
            for (int step = 0; step < maxNew; step++) {
                int positions = promptWidth + step;
                try (NDManager scope = generation.newSubManager()) {
                    NDArray tokens = step == 0
                            ? TokenBatch.layout(scope, prompts, null, promptWidth, 0, pad).tokens()
                            : scope.create(next, new Shape(batch, 1));
                    NDArray keyMask = scope.create(flatten(mask, positions), new Shape(batch, positions));
                    NDArray logits = session.next(tokens, keyMask); // (B, V)
                    Choice choice = choose(logits, random, rows);
                    next = new long[batch];
                    for (int row = 0; row < batch; row++) {
                        RowState state = rows[row];
                        if (state.done) {
                            next[row] = pad;
                            continue;
                        }
                        int token = (int) choice.tokens[row];
                        state.add(token, choice.samplingLogProbs[row], choice.policyLogProbs[row]);
                        next[row] = token;
                        mask[row][positions] = 1L;
                        if (config.stopOnEos() && stops(token)) {
                            state.done = true;
                            state.endedWithEos = true;
                        }
                    }
                }
                steps = step + 1;
                if (allDone(rows)) {
                    break;
                }
            }
        }
        List<Generation.Sequence> sequences = new ArrayList<>(batch);
        for (RowState state : rows) {
            sequences.add(state.toSequence());
        }
        return new Generation(sequences, steps);
    }

    /** Draws one token per row and reads back its log-probabilities. */
    private Choice choose(NDArray logits, SplittableRandom[] random, RowState[] rows) {
        int batch = rows.length;
        NDManager scope = logits.getManager();
        NDArray policyLogProbs = logits.logSoftmax(-1); // (B, V)
        NDArray chosen; // (B, 1) int64
        NDArray samplingLogProbs; // (B, V)
        if (config.greedy()) {
            chosen = logits.argMax(-1).reshape(batch, 1);
            samplingLogProbs = null;
        } else {
            NDArray scaled = config.temperature() == 1f ? logits : logits.div(config.temperature());
            samplingLogProbs = TokenFilter.apply(scaled, config.topK(), config.topP()).logSoftmax(-1);
            NDArray cdf = samplingLogProbs.exp().cumSum(1); // (B, V)
            float[] uniforms = new float[batch];
            for (int row = 0; row < batch; row++) {
                // (0, 1]: u = 0 could select a leading zero-probability token.
                uniforms[row] = rows[row].done ? 1f : (float) (1.0 - random[row].nextDouble());
            }
            NDArray total = cdf.get(":, -1:"); // (B, 1), 1 up to rounding
            NDArray target = scope.create(uniforms, new Shape(batch, 1)).mul(total);
            // First index whose cumulative mass reaches the target.
            chosen = cdf.lt(target).toType(DataType.INT64, false).sum(new int[] {1}, true)
                    .minimum(logits.getShape().get(1) - 1);
        }
        float[] policy = policyLogProbs.gather(chosen, 1).toFloatArray();
        float[] sampling = samplingLogProbs == null ? new float[batch] : samplingLogProbs.gather(chosen, 1).toFloatArray();
        return new Choice(chosen.toLongArray(), sampling, policy);
    }

    private static long[] flatten(long[][] rows, int columns) {
        long[] flat = new long[rows.length * columns];
        for (int row = 0; row < rows.length; row++) {
            System.arraycopy(rows[row], 0, flat, row * columns, columns);
        }
        return flat;
    }

    private static boolean allDone(RowState[] rows) {
        for (RowState row : rows) {
            if (!row.done) {
                return false;
            }
        }
        return true;
    }

    private record Choice(long[] tokens, float[] samplingLogProbs, float[] policyLogProbs) {}

    /** Tokens and log-probabilities of one row as it grows. */
    private static final class RowState {
        final int[] tokens;
        final float[] sampling;
        final float[] policy;
        int length;
        boolean done;
        boolean endedWithEos;

        RowState(int capacity) {
            tokens = new int[capacity];
            sampling = new float[capacity];
            policy = new float[capacity];
        }

        void add(int token, float samplingLogProb, float policyLogProb) {
            tokens[length] = token;
            sampling[length] = samplingLogProb;
            policy[length] = policyLogProb;
            length++;
        }

        Generation.Sequence toSequence() {
            return new Generation.Sequence(
                    Arrays.copyOf(tokens, length),
                    Arrays.copyOf(sampling, length),
                    Arrays.copyOf(policy, length),
                    endedWithEos);
        }
    }
}
