package io.sppo4j.model.nd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import org.junit.jupiter.api.Test;

/** The memory hook on the CPU path; the GPU path (cudaMemGetInfo) needs a GPU and is run by scripts/device-check.sh. */
class DeviceMemoryTest {

    @Test
    void theCpuReportsTheMachinesMemory() {
        DeviceMemory memory = DeviceMemory.of(Device.cpu());
        assertEquals("cpu", memory.device());
        assertTrue(memory.totalBytes() > 256L << 20, "at least 256 MiB: " + memory);
        assertTrue(memory.freeBytes() > 0 && memory.freeBytes() <= memory.totalBytes(), memory.toString());
        assertEquals(memory.totalBytes() - memory.freeBytes(), memory.usedBytes());
        // The JVM's own heap is taken from the machine's memory, so it cannot exceed the total.
        assertTrue(Runtime.getRuntime().totalMemory() < memory.totalBytes(), memory.toString());
    }

    @Test
    void aGpuThatIsNotThereFailsNamingIt() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> DeviceMemory.of(Device.gpu(0)));
        assertTrue(error.getMessage().startsWith("gpu:0: cannot read the GPU's memory: "), error.getMessage());
    }
}
