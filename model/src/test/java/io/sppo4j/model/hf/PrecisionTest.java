package io.sppo4j.model.hf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonObject;
import io.sppo4j.model.nd.Autograd;
import io.sppo4j.model.nd.Casts;
import io.sppo4j.model.nd.Precision;
import io.sppo4j.model.policy.KvCache;
import io.sppo4j.model.sampling.TokenBatch;
import io.sppo4j.model.scoring.SequenceScorer;
import io.sppo4j.model.weights.TensorEncoding;
import io.sppo4j.model.weights.WeightSnapshot;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The decoder in bfloat16: weights and compute for decoding ({@link Precision#BF16}), and
 * bfloat16 compute on float32 master weights for the learner ({@link Precision#MIXED_BF16}),
 * against the same model in float32.
 */
class PrecisionTest {

    private static final JsonObject CONFIG = RealShapes.narrow(4, false);
    private static final int PAD = 269;

    @Test
    void bfloat16DecodingStaysCloseToFloat32AndItsCacheMatchesItsFullPass() {
        List<int[]> prompts = RealShapes.prompts(new SplittableRandom(5), 3, 4, 12, RealShapes.TEXT_TOKENS);
        int width = TokenBatch.maxLength(prompts);
        try (NDManager base = NDManager.newBaseManager();
                HfCausalModel float32 = RealShapes.causal(CONFIG, 3, base, Precision.FP32);
                HfCausalModel bfloat16 = RealShapes.causal(CONFIG, 3, base, Precision.BF16);
                Autograd.Scope inference = Autograd.paused();
                NDManager scope = base.newSubManager()) {
            assertEquals(DataType.BFLOAT16, Casts.typeOf(bfloat16.namedParameters().get("model.norm.weight").getArray()));
            TokenBatch.Padded batch = TokenBatch.layout(scope, prompts, null, width, 0, PAD);
            NDArray exact = float32.forward(batch.tokens(), batch.mask(), null, false); // (B, T, V)
            NDArray half = bfloat16.forward(batch.tokens(), batch.mask(), null, false);
            assertEquals(DataType.FLOAT32, half.getDataType(), "logits come back in float32");
            float error = half.sub(exact).abs().max().getFloat();
            float scale = exact.abs().max().getFloat();
            assertTrue(error < 0.05f * scale, "bfloat16 logits differ by " + error + " at a scale of " + scale);

            try (KvCache cache = bfloat16.newCache(scope, prompts.size(), width + 1)) {
                NDArray cached = bfloat16.forward(batch.tokens(), batch.mask(), cache, false).get(":, -1, :");
                NDArray full = half.get(":, -1, :");
                assertEquals(0f, cached.sub(full).abs().max().getFloat(), 1e-6f, "a cached pass is the same computation");
            }
        }
    }

    @Test
    void mixedPrecisionGradientsArriveInFloat32AndPointWhereFloat32Ones() {
        SplittableRandom random = new SplittableRandom(9);
        List<int[]> prompts = RealShapes.prompts(random, 4, 3, 10, RealShapes.TEXT_TOKENS);
        List<int[]> responses = RealShapes.prompts(random, 4, 2, 8, RealShapes.TEXT_TOKENS);
        String name = "model.layers.2.mlp.down_proj.weight";
        try (NDManager base = NDManager.newBaseManager();
                HfCausalModel float32 = RealShapes.causal(CONFIG, 4, base, Precision.FP32);
                HfCausalModel mixed = RealShapes.causal(CONFIG, 4, base, Precision.MIXED_BF16);
                NDManager scope = base.newSubManager()) {
            float[] exact = gradient(float32, prompts, responses, name, scope);
            assertEquals(DataType.FLOAT32, mixed.namedParameters().get(name).getArray().getDataType(), "float32 masters");
            float[] approximate = gradient(mixed, prompts, responses, name, scope);
            double dot = 0;
            double a = 0;
            double b = 0;
            for (int i = 0; i < exact.length; i++) {
                dot += (double) exact[i] * approximate[i];
                a += (double) exact[i] * exact[i];
                b += (double) approximate[i] * approximate[i];
            }
            double cosine = dot / Math.sqrt(a * b);
            assertTrue(cosine > 0.99, "cosine of the bfloat16 gradient to the float32 one: " + cosine);
            assertTrue(Math.abs(Math.sqrt(b / a) - 1) < 0.05, "norm ratio " + Math.sqrt(b / a));
        }
    }

    @Test
    void snapshotsMoveBetweenFloat32AndBfloat16Models() {
        try (NDManager base = NDManager.newBaseManager();
                HfCausalModel learner = RealShapes.causal(CONFIG, 6, base, Precision.FP32);
                HfCausalModel rollout = RealShapes.causal(CONFIG, 7, base, Precision.BF16)) {
            WeightSnapshot.export(learner, 1, TensorEncoding.BF16).importInto(rollout);
            WeightSnapshot back = WeightSnapshot.export(rollout, 2, TensorEncoding.BF16);
            assertEquals(WeightSnapshot.export(learner, 2, TensorEncoding.BF16).checksum(), back.checksum(),
                    "bfloat16 weights round-trip bit for bit");
        }
    }

    private static float[] gradient(HfCausalModel model, List<int[]> prompts, List<int[]> responses, String name,
            NDManager scope) {
        model.setTrainable(true);
        try (Autograd.Scope recording = Autograd.recording()) {
            NDArray loss = new SequenceScorer(PAD).score(model, scope, prompts, responses, true).sequenceLogProbs().sum().neg();
            Autograd.backward(loss);
        }
        NDArray gradient = Autograd.gradient(model.namedParameters().get(name).getArray(), scope);
        assertEquals(DataType.FLOAT32, gradient.getDataType());
        return gradient.toFloatArray();
    }
}
