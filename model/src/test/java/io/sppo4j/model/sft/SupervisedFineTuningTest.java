package io.sppo4j.model.sft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.sppo4j.model.TestPolicies;
import io.sppo4j.model.hf.HfCausalModel;
import io.sppo4j.model.task.sort.SortDemonstrations;
import io.sppo4j.model.task.sort.SortTask;
import io.sppo4j.model.task.sort.SortTaskConfig;
import io.sppo4j.model.tokenizer.ByteTokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SupervisedFineTuningTest {

    @Test
    void shortSftOnSortLowersTheHeldOutDemonstrationLoss() {
        ByteTokenizer tokenizer = new ByteTokenizer();
        Demonstrations demonstrations =
                new SortDemonstrations(new SortTask(new SortTaskConfig(4, 8, 0.2, 0.1)), tokenizer);
        SftConfig config = new SftConfig(80, 32, 3e-3f, 10, 0.1f, 0.01f, 1.0f, 0);
        SupervisedFineTuning sft = new SupervisedFineTuning(config, tokenizer.pad());
        List<Demonstrations.Demonstration> heldOut =
                SupervisedFineTuning.draw(demonstrations, new SplittableRandom(99), 128);
        List<Double> learningRates = new ArrayList<>();
        try (NDManager manager = NDManager.newBaseManager(); HfCausalModel policy = TestPolicies.tiny(manager, 5)) {
            double before = sft.evaluate(policy, heldOut);
            SupervisedFineTuning.Result result =
                    sft.run(policy, demonstrations, 1, (step, total, loss, lr) -> learningRates.add(lr));
            double after = sft.evaluate(policy, heldOut);
            assertEquals(80, result.losses().size());
            // Uniform over 259 ids is ln 259 ≈ 5.56 nats per token; the digits alone are ~2.3.
            assertTrue(before > 5.0, "untrained loss " + before);
            assertTrue(after < before - 2.0, "held-out loss " + before + " -> " + after);
            assertTrue(result.finalLoss(10) < result.losses().get(0) - 2.0, "training loss curve " + result.losses());
        }
        assertTrue(learningRates.get(4) < learningRates.get(10), "warm-up raises the learning rate");
        assertTrue(learningRates.get(79) < learningRates.get(20), "cosine decay lowers it");
    }

    @Test
    void aRunShorterThanTheWarmUpStillTrains() {
        ByteTokenizer tokenizer = new ByteTokenizer();
        Demonstrations demonstrations =
                new SortDemonstrations(new SortTask(new SortTaskConfig(4, 8, 0.2, 0.1)), tokenizer);
        SftConfig config = new SftConfig(3, 4, 3e-3f, 100, 0.1f, 0.01f, 1.0f, 0);
        try (NDManager manager = NDManager.newBaseManager(); HfCausalModel policy = TestPolicies.tiny(manager, 5)) {
            SupervisedFineTuning.Result result = new SupervisedFineTuning(config, tokenizer.pad())
                    .run(policy, demonstrations, 1, (step, total, loss, lr) -> { });
            assertEquals(3, result.losses().size());
        }
    }
}
