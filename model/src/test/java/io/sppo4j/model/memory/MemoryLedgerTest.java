package io.sppo4j.model.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import io.sppo4j.model.decoder.DecoderConfig;
import io.sppo4j.model.hf.HfModels;
import io.sppo4j.model.policy.PolicyConfig;

import java.util.Map;
import org.junit.jupiter.api.Test;

class MemoryLedgerTest {

    @Test
    void sizesAreExactForWeightsOptimiserAndCache() {
        PolicyConfig shape = new PolicyConfig(259, 128, 4, 4, 256, 0f);
        DecoderConfig config = HfModels.builtInConfig(shape);
        assertEquals(shape.parameterCount(), config.parameterCount(), "the GPT-2 count of the built-in policy");
        assertEquals(4 * shape.parameterCount(), ModelMemory.weights(config, DataType.FLOAT32));
        assertEquals(2 * shape.parameterCount(), ModelMemory.weights(config, DataType.BFLOAT16));
        assertEquals(8 * shape.parameterCount(), ModelMemory.optimizer(config));
        // keys and values of 4 layers × 128 wide × 4 bytes, for 3 sequences of 10 positions
        assertEquals(2L * 4 * 128 * 4 * 3 * 10, ModelMemory.kvCache(config, DataType.FLOAT32, 3, 10));
    }

    @Test
    void refusesWithTheFiguresWhenADeviceCannotHoldItsTotal() {
        MemoryLedger ledger = new MemoryLedger()
                .add("learner", "weights", Device.cpu(), 3L << 30)
                .add("rollout 0", "KV cache", Device.cpu(), 2L << 30)
                .add("learner", "gradients", Device.gpu(0), 1L << 30);
        assertEquals(Map.of(Device.cpu(), 5L << 30, Device.gpu(0), 1L << 30), ledger.totals());
        ledger.requireFits(Map.of(Device.cpu(), 6L << 30, Device.gpu(0), 2L << 30));
        InsufficientMemoryException refused = assertThrows(InsufficientMemoryException.class,
                () -> ledger.requireFits(Map.of(Device.cpu(), 4L << 30, Device.gpu(0), 2L << 30)));
        String message = refused.getMessage();
        assertTrue(message.contains("cpu needs 5.00 GiB but has 4.00 GiB available"), message);
        assertTrue(message.contains("KV cache") && message.contains("rollout 0"), "the ledger comes with it: " + message);
        assertTrue(!message.contains("gpu:0 needs"), "the GPU fits: " + message);
    }
}
