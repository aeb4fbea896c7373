package io.sppo4j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.sppo4j.model.nd.Autograd;
import io.sppo4j.model.optim.AdamW;
import io.sppo4j.model.optim.AdamWConfig;
import io.sppo4j.model.optim.LearningRateSchedule;
import io.sppo4j.model.policy.TransformerPolicy;
import io.sppo4j.model.sampling.Generation;
import io.sppo4j.model.sampling.PolicyLogits;
import io.sppo4j.model.sampling.Sampler;
import io.sppo4j.model.sampling.SamplingConfig;
import io.sppo4j.model.scoring.SequenceScorer;
import io.sppo4j.model.tokenizer.ByteTokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The hot paths (sample, score, and a training step) repeated many times must not leak native
 * arrays or grow the process's resident memory.
 *
 * <p>Resident memory also counts Java heap pages the first time the collector touches them. The
 * {@code resident-memory} tag runs this test in its own fork with a small heap touched in full
 * at start (see model/pom.xml), so growth measured after the warm-up is native.
 */
@Tag("resident-memory")
class NativeMemoryTest {

    private static final int ITERATIONS = 800;
    private static final int WARM_UP = 300;

    @Test
    void repeatedGenerateScoreAndUpdateDoesNotGrowNativeMemory() throws IOException {
        try (NDManager base = NDManager.newBaseManager();
                TransformerPolicy policy = TestPolicies.tiny(base, 21);
                AdamW optimizer = new AdamW(AdamWConfig.DEFAULTS.withLearningRate(1e-4f), new LearningRateSchedule.Constant(1e-4f))) {
            policy.setTrainable(true);
            Sampler sampler = new Sampler(new SamplingConfig(1f, 20, 0.95f, 10, true), new ByteTokenizer());
            SequenceScorer scorer = new SequenceScorer(ByteTokenizer.PAD);
            PolicyLogits source = new PolicyLogits(policy);
            List<int[]> prompts = TestPolicies.prompts(1, 3, 6, 4, 8);
            int arraysAfterWarmUp = -1;
            long rssAfterWarmUp = -1;
            for (int i = 0; i < ITERATIONS; i++) {
                Generation generation = sampler.generate(source, base, prompts, i);
                List<int[]> responses = new ArrayList<>();
                for (Generation.Sequence sequence : generation.sequences()) {
                    responses.add(sequence.tokens().length == 0 ? new int[] {ByteTokenizer.EOS} : sequence.tokens());
                }
                try (NDManager step = policy.manager().newSubManager()) {
                    try (Autograd.Scope recording = Autograd.recording()) {
                        NDArray loss = scorer.score(policy, step, prompts, responses, true)
                                .sequenceLogProbs().mean().neg();
                        Autograd.backward(loss);
                    }
                }
                optimizer.step(policy);
                if (i + 1 == WARM_UP) {
                    arraysAfterWarmUp = base.getManagedArrays().size();
                    rssAfterWarmUp = residentBytes();
                }
            }
            int arraysAtEnd = base.getManagedArrays().size();
            long rssAtEnd = residentBytes();
            assertEquals(arraysAfterWarmUp, arraysAtEnd, "native arrays held by the managers");
            long growth = rssAtEnd - rssAfterWarmUp;
            assertTrue(growth < 48L << 20,
                    "resident memory grew by " + (growth >> 20) + " MiB over " + (ITERATIONS - WARM_UP) + " iterations");
        }
    }

    /** Resident set size from /proc (Linux): native allocations included, unlike the Java heap. */
    private static long residentBytes() throws IOException {
        String[] fields = Files.readString(Path.of("/proc/self/statm")).trim().split("\\s+");
        return Long.parseLong(fields[1]) * 4096L;
    }
}
