package io.sppo4j.model.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import io.sppo4j.model.TestPolicies;
import io.sppo4j.model.nd.Devices;
import io.sppo4j.model.hf.HfCausalModel;
import io.sppo4j.model.hf.HfModels;
import io.sppo4j.model.nd.Precision;

import org.junit.jupiter.api.Test;

/**
 * A snapshot is host bytes whatever device its weights were on, so a GPU learner feeds CPU
 * rollouts and the reverse: the learner's model and the rollout's are built from two device
 * settings, each in a manager of its own device, and the weights go from one to the other and
 * back as bytes alone. DJL has one CPU device, so without a GPU both settings resolve to it here
 * and the copy to the host that a GPU export makes is not exercised; scripts/device-check.sh runs
 * a learner on the GPU with rollouts on the CPU for that.
 */
class SnapshotDeviceIndependenceTest {

    @Test
    void weightsGoFromOneDeviceSettingToAnotherAsBytesAlone() {
        Device learnerDevice = Devices.parse("auto", "sppo4j.learner.device");
        Device rolloutDevice = Devices.parse("cpu", "sppo4j.rollout.device");
        try (NDManager learnerSide = NDManager.newBaseManager(learnerDevice);
                NDManager rolloutSide = NDManager.newBaseManager(rolloutDevice);
                HfCausalModel learner = HfModels.builtIn(TestPolicies.TINY, 1, learnerSide, learnerDevice, Precision.FP32);
                HfCausalModel rollout = HfModels.builtIn(TestPolicies.TINY, 2, rolloutSide, rolloutDevice, Precision.FP32)) {
            WeightSnapshot published = WeightSnapshot.export(learner, 7, TensorEncoding.BF16);
            // What crosses the wire: names, dtypes, shapes and bytes; nothing names a device.
            WeightSnapshot received = WeightSnapshot.withClaimedChecksum(published.version(), published.encoding(),
                    published.tensors().stream().map(t -> new NamedTensor(t.name(), t.dtype(), t.shape(), t.data().clone())).toList(),
                    published.checksum());
            received.importInto(rollout);
            try (WeightSnapshot reexported = WeightSnapshot.export(rollout, 7, TensorEncoding.BF16)) {
                assertEquals(published.tensors(), reexported.tensors());
            }
            assertParametersOn(rolloutDevice, rollout);

            WeightSnapshot back = WeightSnapshot.export(rollout, 8, TensorEncoding.FP32);
            back.importInto(learner);
            assertEquals(back.tensors(), WeightFixtures.parameters(learner), "every bit of the rollout's weights");
            assertArrayEquals(WeightFixtures.logits(rollout), WeightFixtures.logits(learner));
            assertParametersOn(learnerDevice, learner);
        }
    }

    private static void assertParametersOn(Device device, HfCausalModel policy) {
        for (Parameter parameter : policy.namedParameters().values()) {
            assertEquals(device, parameter.getArray().getDevice(), parameter.getName() + " stays on its model's device");
        }
    }
}
