package io.sppo4j.model.hf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.sppo4j.model.hf.TinyHfModels.Kind;
import io.sppo4j.model.nd.Autograd;
import io.sppo4j.model.optim.AdamW;
import io.sppo4j.model.optim.AdamWConfig;
import io.sppo4j.model.optim.StepStats;
import io.sppo4j.model.policy.KvCache;
import io.sppo4j.model.sampling.Generation;
import io.sppo4j.model.sampling.PolicyLogits;
import io.sppo4j.model.sampling.Sampler;
import io.sppo4j.model.sampling.SamplingConfig;
import io.sppo4j.model.sampling.TokenBatch;
import io.sppo4j.model.scoring.SequenceScorer;
import io.sppo4j.model.weights.TensorEncoding;
import io.sppo4j.model.weights.TensorDType;
import io.sppo4j.model.weights.WeightSnapshot;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A loaded model under the project's own decoding, scoring, optimiser and weight-snapshot code,
 * unchanged: the KV cache and left padding give the logits of a plain pass.
 */
class HfDecodingTest {

    private static final int PAD = 0;
    private static final int EOS = 2;

    @TempDir
    Path temp;

    @ParameterizedTest
    @EnumSource(value = Kind.class, names = {"LLAMA", "QWEN2", "GPT2"})
    void cachedDecodingEqualsTheFullPassOverLeftPaddedRows(Kind kind) throws IOException {
        TinyHfModels.write(temp.resolve("m"), kind, TensorDType.BF16, 1, 31);
        List<int[]> prompts = List.of(new int[] {1, 9, 33, 4}, new int[] {1}, new int[] {1, 60, 7, 7, 21, 40, 3});
        int[][] continuation = {{5, 6, 7, 8, 9}, {10, 11, 12, 13, 14}, {15, 16, 17, 18, 19}};
        int promptWidth = TokenBatch.maxLength(prompts);
        int steps = continuation[0].length;
        try (HfCausalModel model = HfModels.loadCausal(temp.resolve("m"), Device.cpu());
                Autograd.Scope inference = Autograd.paused();
                NDManager run = model.manager().newSubManager();
                KvCache cache = model.newCache(run, prompts.size(), promptWidth + steps)) {
            TokenBatch.Padded padded = TokenBatch.layout(run, prompts, null, promptWidth, 0, PAD);
            NDArray mask = padded.mask();
            NDArray cached = model.forward(padded.tokens(), mask, cache, false).get(":, -1, :"); // (B, V)
            for (int step = 0; ; step++) {
                for (int row = 0; row < prompts.size(); row++) {
                    // The same sequence alone, unpadded, in one full pass.
                    int[] alone = concat(prompts.get(row), continuation[row], step);
                    float[][] full = HfLogitsTest.logits(model, alone);
                    assertArrayEquals(full[alone.length - 1], cached.get(row).toFloatArray(), 1e-4f,
                            kind + " row " + row + " after " + step + " cached steps");
                }
                if (step == steps) {
                    break;
                }
                long[] next = new long[prompts.size()];
                for (int row = 0; row < next.length; row++) {
                    next[row] = continuation[row][step];
                }
                mask = mask.concat(run.ones(new Shape(prompts.size(), 1), DataType.INT64), 1);
                cached = model.forward(run.create(next, new Shape(next.length, 1)), mask, cache, false).get(":, -1, :");
            }
        }
    }

    @Test
    void theProjectsSamplerScorerOptimiserAndSnapshotsWorkOnIt() throws IOException {
        TinyHfModels.write(temp.resolve("m"), Kind.LLAMA, TensorDType.BF16, 2, 32);
        List<int[]> prompts = List.of(new int[] {1, 20, 21}, new int[] {1, 30}, new int[] {1, 40, 41, 42, 43});
        try (HfCausalModel policy = HfModels.loadCausal(temp.resolve("m"), Device.cpu());
                HfCausalModel copy = HfModels.loadCausal(temp.resolve("m"), Device.cpu())) {
            Sampler sampler = new Sampler(SamplingConfig.ancestral(6).withStopOnEos(false), EOS, PAD);
            Generation generation = sampler.generate(new PolicyLogits(policy), policy.manager(), prompts, 7);
            List<int[]> responses = new ArrayList<>();
            for (Generation.Sequence sequence : generation.sequences()) {
                assertEquals(6, sequence.tokens().length);
                responses.add(sequence.tokens());
            }

            // The scorer's teacher-forced log-probabilities equal what the sampler recorded.
            SequenceScorer scorer = new SequenceScorer(PAD);
            try (NDManager step = policy.manager().newSubManager()) {
                float[] scored;
                try (Autograd.Scope inference = Autograd.paused()) {
                    scored = scorer.score(policy, step, prompts, responses, false).sequenceLogProbs().toFloatArray();
                }
                for (int row = 0; row < prompts.size(); row++) {
                    assertEquals(generation.sequences().get(row).policyLogProb(), scored[row], 1e-4, "row " + row);
                }

                // One optimiser step on a loss built from the scores moves the weights.
                String name = "model.layers.0.self_attn.k_proj.weight";
                float[] before = policy.namedParameters().get(name).getArray().toFloatArray();
                policy.setTrainable(true);
                try (AdamW optimizer = new AdamW(AdamWConfig.DEFAULTS.withLearningRate(1e-2f))) {
                    try (Autograd.Scope recording = Autograd.recording()) {
                        NDArray loss = scorer.score(policy, step, prompts, responses, true).sequenceLogProbs().sum().neg();
                        Autograd.backward(loss);
                    }
                    StepStats stats = optimizer.step(policy);
                    assertTrue(stats.applied() && stats.gradientNorm() > 0, stats.toString());
                }
                assertNotEquals(before[0], policy.namedParameters().get(name).getArray().toFloatArray()[0]);
            }

            // A weight snapshot of the trained policy makes the other copy identical to it.
            WeightSnapshot snapshot = WeightSnapshot.export(policy, 1, TensorEncoding.FP32);
            assertEquals("model.embed_tokens.weight", snapshot.tensors().get(0).name());
            snapshot.importInto(copy);
            try (Autograd.Scope inference = Autograd.paused()) {
                assertArrayEquals(HfLogitsTest.logits(policy, prompts.get(2))[4], HfLogitsTest.logits(copy, prompts.get(2))[4]);
            }
        }
    }

    @Test
    void repeatedSamplingScoringAndUpdatesHoldNoNewNativeArrays() throws IOException {
        TinyHfModels.write(temp.resolve("m"), Kind.GPT2, TensorDType.F32, 1, 34);
        List<int[]> prompts = List.of(new int[] {1, 20, 21}, new int[] {1, 30});
        try (HfCausalModel policy = HfModels.loadCausal(temp.resolve("m"), Device.cpu());
                AdamW optimizer = new AdamW(AdamWConfig.DEFAULTS.withLearningRate(1e-3f))) {
            Sampler sampler = new Sampler(SamplingConfig.ancestral(4), EOS, PAD);
            SequenceScorer scorer = new SequenceScorer(PAD);
            int afterWarmUp = -1;
            for (int i = 0; i < 12; i++) {
                List<int[]> responses = new ArrayList<>();
                for (Generation.Sequence sequence : sampler.generate(new PolicyLogits(policy), policy.manager(), prompts, i).sequences()) {
                    responses.add(sequence.tokens().length == 0 ? new int[] {EOS} : sequence.tokens());
                }
                try (NDManager step = policy.manager().newSubManager(); Autograd.Scope recording = Autograd.recording()) {
                    Autograd.backward(scorer.score(policy, step, prompts, responses, true).sequenceLogProbs().mean().neg());
                }
                optimizer.step(policy);
                if (i == 2) {
                    afterWarmUp = policy.manager().getManagedArrays().size();
                }
            }
            assertEquals(afterWarmUp, policy.manager().getManagedArrays().size(), "native arrays held by the model's manager");
        }
    }

    @Test
    void parametersCarryTheExactHuggingFaceNamesInDeclarationOrder() throws IOException {
        TinyHfModels.Fixture fixture = TinyHfModels.write(temp.resolve("m"), Kind.QWEN2, TensorDType.F32, 1, 33);
        try (HfCausalModel model = HfModels.loadCausal(temp.resolve("m"), Device.cpu())) {
            List<String> names = new ArrayList<>(model.namedParameters().keySet());
            assertEquals(fixture.shapes().size(), names.size(), "tied: no lm_head parameter");
            assertEquals(new TreeSet<>(fixture.shapes().keySet()), new TreeSet<>(names));
            assertEquals("model.embed_tokens.weight", names.get(0));
            assertEquals("model.layers.0.input_layernorm.weight", names.get(1));
            assertEquals("model.layers.0.self_attn.q_proj.weight", names.get(2));
            assertEquals("model.layers.0.self_attn.q_proj.bias", names.get(3));
            assertEquals("model.norm.weight", names.get(names.size() - 1));
            model.setTrainable(false);
            assertTrue(model.namedParameters().values().stream().noneMatch(p -> p.getArray().hasGradient()));
        }
    }

    private static int[] concat(int[] prompt, int[] continuation, int count) {
        int[] joined = Arrays.copyOf(prompt, prompt.length + count);
        System.arraycopy(continuation, 0, joined, prompt.length, count);
        return joined;
    }
}
