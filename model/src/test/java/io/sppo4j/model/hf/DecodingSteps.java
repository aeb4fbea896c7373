package io.sppo4j.model.hf;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.sppo4j.model.decoder.Decoder;
import io.sppo4j.model.policy.KvCache;
import io.sppo4j.model.sampling.TokenBatch;

import java.util.ArrayList;
import java.util.List;

/** Cached decoding of fixed tokens, step by step, for tests that compare decoding paths. */
final class DecodingSteps {

    private static final int PAD = 0;

    private DecodingSteps() {}

    /**
     * The last position's logits of the left-padded prompts' pass and of each continuation step
     * (one token per prompt each), flattened (B·V), through the fused pass or one call per operation.
     */
    static List<float[]> logits(HfCausalModel model, List<int[]> prompts, long[][] continuation, boolean fused) {
        Decoder.fusedDecoding(fused);
        int promptWidth = TokenBatch.maxLength(prompts);
        List<float[]> logits = new ArrayList<>();
        try (NDManager run = model.manager().newSubManager();
                KvCache cache = model.newCache(run, prompts.size(), promptWidth + continuation.length)) {
            TokenBatch.Padded padded = TokenBatch.layout(run, prompts, null, promptWidth, 0, PAD);
            NDArray mask = padded.mask();
            logits.add(model.nextTokenLogits(padded.tokens(), mask, cache).toFloatArray());
            for (long[] next : continuation) {
                mask = mask.concat(run.ones(new Shape(prompts.size(), 1), DataType.INT64), 1);
                logits.add(model.nextTokenLogits(run.create(next, new Shape(next.length, 1)), mask, cache).toFloatArray());
            }
        } finally {
            Decoder.fusedDecoding(true);
        }
        return logits;
    }

    /** The largest difference of any logit at any step between two runs of {@link #logits}. */
    static double maxDifference(List<float[]> a, List<float[]> b) {
        if (a.size() != b.size()) {
            throw new IllegalArgumentException("runs of " + a.size() + " and " + b.size() + " steps");
        }
        double max = 0;
        for (int step = 0; step < a.size(); step++) {
            max = Math.max(max, maxDifference(a.get(step), b.get(step)));
        }
        return max;
    }

    static double maxDifference(float[] a, float[] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }
}
