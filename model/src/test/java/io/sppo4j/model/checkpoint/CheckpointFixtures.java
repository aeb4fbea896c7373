package io.sppo4j.model.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.sppo4j.model.optim.OptimizerState;
import io.sppo4j.model.policy.TransformerPolicy;
import io.sppo4j.model.weights.NamedTensor;
import io.sppo4j.model.weights.TensorDType;
import io.sppo4j.model.weights.WeightFixtures;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** Checkpoints of the tiny policy with AdamW-shaped optimiser state. */
final class CheckpointFixtures {

    private CheckpointFixtures() {}

    static Checkpoint checkpoint(TransformerPolicy policy, long step, Map<String, String> extra) {
        return Checkpoint.capture(policy, step / 2, step, adamState(policy, step), 1234L + step, extra);
    }

    /**
     * Asserts that two checkpoints hold the same counters, config, seed, extras, weight bytes and
     * optimiser state (a loaded checkpoint streams from its files, so equality is by content).
     */
    static void assertSameCheckpoint(Checkpoint expected, Checkpoint actual) {
        assertEquals(expected.policyConfig(), actual.policyConfig(), "policy config");
        assertEquals(expected.version(), actual.version(), "version");
        assertEquals(expected.step(), actual.step(), "step");
        assertEquals(expected.rngSeed(), actual.rngSeed(), "seed");
        assertEquals(expected.extra(), actual.extra(), "extra");
        assertEquals(WeightFixtures.onHeap(expected.weightSource()), WeightFixtures.onHeap(actual.weightSource()),
                "weight bytes");
        if (expected.optimizer() == null || actual.optimizer() == null) {
            assertNull(actual.optimizer(), "optimizer state");
            assertNull(expected.optimizer(), "optimizer state");
        } else {
            assertEquals(WeightFixtures.onHeap(expected.optimizer()), WeightFixtures.onHeap(actual.optimizer()),
                    "optimizer tensors, scalars and algorithm");
        }
    }

    /** First and second moments for every parameter, plus scalars including ones JSON cannot spell. */
    static OptimizerState adamState(TransformerPolicy policy, long step) {
        SplittableRandom random = new SplittableRandom(step);
        List<NamedTensor> tensors = new ArrayList<>();
        for (String moment : List.of("m", "v")) {
            policy.namedParameters().forEach((name, parameter) -> {
                long[] shape = parameter.getArray().getShape().getShape();
                int elements = Math.toIntExact(parameter.getArray().size());
                ByteBuffer data = ByteBuffer.allocate(4 * elements).order(ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < elements; i++) {
                    data.putFloat((float) random.nextGaussian());
                }
                tensors.add(new NamedTensor(moment + "." + name, TensorDType.F32, shape, data.array()));
            });
        }
        Map<String, Double> scalars = new LinkedHashMap<>();
        scalars.put("step", (double) step);
        scalars.put("lr", 3e-4);
        scalars.put("beta2_power", Math.pow(0.999, step));
        scalars.put("loss_ema", Double.NaN);
        scalars.put("best_loss", Double.NEGATIVE_INFINITY);
        return new OptimizerState("adamw", scalars, tensors);
    }
}
