package io.sppo4j.model.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.sppo4j.model.TestPolicies;
import io.sppo4j.model.hf.HfCausalModel;
import io.sppo4j.model.nd.Autograd;
import io.sppo4j.model.sampling.TokenBatch;
import io.sppo4j.model.tokenizer.ByteTokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class KvCacheEquivalenceTest {

    private static NDManager manager;
    private static HfCausalModel policy;

    @BeforeAll
    static void setUp() {
        manager = NDManager.newBaseManager();
        policy = TestPolicies.tiny(manager, 7);
        policy.setTrainable(false);
    }

    @AfterAll
    static void tearDown() {
        policy.close();
        manager.close();
    }

    @Test
    void cachedDecodingMatchesFullRecomputationForMixedPromptLengths() {
        List<int[]> prompts = TestPolicies.prompts(1, 3, 9, 5, 1);
        int batch = prompts.size();
        int steps = 20;
        long[][] continuation = randomTokens(batch, steps, 2);
        int promptWidth = TokenBatch.maxLength(prompts);
        double worst = 0;
        try (Autograd.Scope inference = Autograd.paused();
                NDManager run = manager.newSubManager();
                KvCache cache = policy.newCache(run, batch, promptWidth + steps)) {
            TokenBatch.Padded padded = TokenBatch.layout(run, prompts, null, promptWidth, 0, ByteTokenizer.PAD);
            NDArray cached = policy.forward(padded.tokens(), padded.mask(), cache, false).get(":, -1, :");
            for (int step = 0; step <= steps; step++) {
                int width = promptWidth + step;
                NDArray full = recompute(run, prompts, continuation, step, promptWidth); // (B, V)
                worst = Math.max(worst, cached.sub(full).abs().max().getFloat());
                if (step == steps) {
                    break;
                }
                long[] next = new long[batch];
                for (int row = 0; row < batch; row++) {
                    next[row] = continuation[row][step];
                }
                NDArray mask = run.ones(new Shape(batch, width + 1), ai.djl.ndarray.types.DataType.INT64);
                mask.set(new NDIndex(":, :{}", promptWidth), padded.mask());
                cached = policy.forward(run.create(next, new Shape(batch, 1)), mask, cache, false).get(":, -1, :");
            }
        }
        assertTrue(worst <= 1e-4, "max |logits(KV) - logits(recompute)| = " + worst);
    }

    @Test
    void paddedRowsMatchTheSameSequenceAlone() {
        List<int[]> prompts = TestPolicies.prompts(3, 2, 11, 6);
        int promptWidth = TokenBatch.maxLength(prompts);
        try (Autograd.Scope inference = Autograd.paused(); NDManager run = manager.newSubManager()) {
            TokenBatch.Padded padded = TokenBatch.layout(run, prompts, null, promptWidth, 0, ByteTokenizer.PAD);
            NDArray batched = policy.forward(padded.tokens(), padded.mask(), null, false).get(":, -1, :");
            for (int row = 0; row < prompts.size(); row++) {
                List<int[]> alone = List.of(prompts.get(row));
                TokenBatch.Padded single = TokenBatch.layout(run, alone, null, alone.get(0).length, 0, ByteTokenizer.PAD);
                NDArray logits = policy.forward(single.tokens(), single.mask(), null, false).get(":, -1, :");
                float diff = batched.get(row).sub(logits.get(0)).abs().max().getFloat();
                assertTrue(diff <= 1e-4, "row " + row + " differs from its unpadded self by " + diff);
            }
        }
    }

    @Test
    void logitsHaveTheVocabularyWidthAndDependOnTheSeed() {
        try (Autograd.Scope inference = Autograd.paused();
                NDManager run = manager.newSubManager();
                HfCausalModel other = TestPolicies.tiny(run, 8)) {
            List<int[]> prompts = TestPolicies.prompts(4, 5);
            TokenBatch.Padded padded = TokenBatch.layout(run, prompts, null, 5, 0, ByteTokenizer.PAD);
            NDArray a = policy.forward(padded.tokens(), padded.mask(), null, false);
            NDArray b = other.forward(padded.tokens(), padded.mask(), null, false);
            assertEquals(new Shape(1, 5, ByteTokenizer.VOCAB_SIZE), a.getShape());
            assertTrue(a.sub(b).abs().max().getFloat() > 1e-3, "different seeds should give different weights");
        }
    }

    /** Last-position logits of the full sequence prompt + continuation[:step], without a cache. */
    private static NDArray recompute(NDManager run, List<int[]> prompts, long[][] continuation, int step, int promptWidth) {
        List<int[]> responses = new ArrayList<>();
        for (long[] row : continuation) {
            int[] response = new int[step];
            for (int i = 0; i < step; i++) {
                response[i] = (int) row[i];
            }
            responses.add(response);
        }
        TokenBatch.Padded padded = TokenBatch.layout(run, prompts, responses, promptWidth, step, ByteTokenizer.PAD);
        return policy.forward(padded.tokens(), padded.mask(), null, false).get(":, -1, :");
    }

    private static long[][] randomTokens(int rows, int columns, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        long[][] tokens = new long[rows][columns];
        for (long[] row : tokens) {
            for (int i = 0; i < columns; i++) {
                row[i] = random.nextInt(256);
            }
        }
        return tokens;
    }
}
