package io.sppo4j.model.nd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;

import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Device settings on this CPU-only machine (the real probe: DJL's bundled CPU library, no driver),
 * and every other branch through facts as a GPU host would report them.
 */
class DevicesTest {

    private static final String KEY = "sppo4j.learner.device";

    @Test
    void gpuOnThisMachineFailsNamingWhatIsMissing() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> Devices.parse("gpu", KEY));
        String message = error.getMessage();
        assertTrue(message.startsWith(KEY + " = gpu, but DJL sees no GPU: "), message);
        assertTrue(message.contains("is a CPU build"), message);
        assertTrue(message.contains("flavour cpu"), message);
        assertTrue(message.contains("2.7.1"), "names the library's version: " + message);
        assertTrue(message.contains("PYTORCH_LIBRARY_PATH"), "says how to point DJL at a CUDA build: " + message);
        assertTrue(message.contains("nvidia-smi"), message);
        assertTrue(message.contains("driver"), message);
        assertThrows(IllegalArgumentException.class, () -> Devices.parse("gpu:1", KEY));
    }

    @Test
    void autoOnThisMachineChoosesTheCpuAndSaysWhy() {
        DeviceChoice choice = Devices.choose(" AUTO ", KEY);
        assertEquals(Device.cpu(), choice.device());
        assertTrue(choice.automatic());
        assertEquals("cpu", choice.name());
        assertTrue(choice.reason().startsWith("no usable GPU: "), choice.reason());
        assertTrue(choice.line().startsWith(KEY + " = AUTO: cpu (no usable GPU: "), choice.line());
        assertEquals(Map.of("device", "cpu", "setting", "AUTO", "reason", choice.reason()), choice.summary());
        DeviceChoice cpu = Devices.choose("cpu", KEY);
        assertEquals(Device.cpu(), cpu.device());
        assertFalse(cpu.automatic());
    }

    @Test
    void aMalformedValueFailsNamingTheKeyBeforeTheEngineLoads() {
        Supplier<GpuEnvironment> never = () -> {
            throw new AssertionError("the engine must not be probed for a malformed value");
        };
        for (String bad : List.of("tpu", "gpu:", "gpu:x", "gpu:-1", "")) {
            IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> Devices.choose(bad, KEY, never));
            assertEquals(KEY + ": expected auto, cpu, gpu or gpu:N, got '" + bad + "'", error.getMessage());
        }
    }

    @Test
    void aCudaBuildWithoutTheRuntimeSaysWhereLibcudartGoes() {
        GpuEnvironment facts = facts(true, null, 0, Map.of("PYTORCH_LIBRARY_PATH", "/opt/torch/lib", "PYTORCH_FLAVOR", "cu128"));
        String message = assertThrows(IllegalArgumentException.class, () -> Devices.choose("gpu", KEY, () -> facts)).getMessage();
        assertTrue(message.contains("is a CUDA build, but DJL found no CUDA runtime (libcudart)"), message);
        assertTrue(message.contains("-Djna.library.path"), message);
        assertTrue(message.contains("PYTORCH_LIBRARY_PATH=/opt/torch/lib") && message.contains("PYTORCH_FLAVOR=cu128"), message);
        assertTrue(message.contains("no NVIDIA driver loaded"), message);
    }

    @Test
    void aRuntimeWithoutDevicesNamesTheHostsDriverAndDevices() {
        GpuEnvironment facts = new GpuEnvironment("2.7.1", "/opt/torch/lib", true, "12.8", 0, false,
                Map.of("CUDA_VISIBLE_DEVICES", ""), "NVRM version: 570.86", List.of(), "/usr/bin/nvidia-smi");
        String message = assertThrows(IllegalArgumentException.class, () -> Devices.choose("gpu:0", KEY, () -> facts)).getMessage();
        assertTrue(message.contains("the CUDA 12.8 runtime reports no GPU"), message);
        assertTrue(message.contains("driver: NVRM version: 570.86"), message);
        assertTrue(message.contains("no /dev/nvidia* device"), message);
        assertTrue(message.contains("nvidia-smi at /usr/bin/nvidia-smi"), message);
    }

    @Test
    void aCpuBuildIsNeverUsedForAGpuEvenWhenTheRuntimeSeesOne() {
        GpuEnvironment facts = facts(false, "12.8", 1, Map.of());
        assertEquals(0, facts.usableGpus());
        DeviceChoice auto = Devices.choose("auto", KEY, () -> facts);
        assertEquals(Device.cpu(), auto.device());
        assertTrue(auto.reason().contains("is a CPU build"), auto.reason());
    }

    @Test
    void gpusThatAreThereAreChosen() {
        GpuEnvironment facts = facts(true, "12.8", 2, Map.of("PYTORCH_FLAVOR", "cu128"));
        DeviceChoice auto = Devices.choose("auto", KEY, () -> facts);
        assertEquals(Device.gpu(0), auto.device());
        assertEquals("DJL sees 2 GPU(s), CUDA 12.8", auto.reason());
        assertEquals(Device.gpu(0), Devices.choose("gpu", KEY, () -> facts).device());
        assertEquals(Device.gpu(1), Devices.choose("gpu:1", KEY, () -> facts).device());
        assertEquals("gpu:1", Devices.choose("GPU:1", KEY, () -> facts).name());
        String message = assertThrows(IllegalArgumentException.class, () -> Devices.choose("gpu:2", KEY, () -> facts)).getMessage();
        assertTrue(message.startsWith(KEY + ": GPU 2 requested but DJL sees 2 GPU(s)"), message);
    }

    @Test
    void theFlavourComesFromTheVariableOrDjlsCacheFolder() {
        assertEquals("cu128", facts(true, "12.8", 1, Map.of("PYTORCH_FLAVOR", "cu128")).flavour());
        assertEquals("cpu", facts(false, null, 0, Map.of()).flavour());
        GpuEnvironment dated = new GpuEnvironment("2.7.1", "/root/.djl.ai/pytorch/2.7.1-20250812-cpu-linux-x86_64",
                false, null, 0, true, Map.of(), null, List.of(), null);
        assertEquals("cpu", dated.flavour());
        GpuEnvironment precxx = new GpuEnvironment("2.7.1", "/root/.djl.ai/pytorch/2.7.1-cu128-precxx11-linux-x86_64",
                true, null, 0, false, Map.of(), null, List.of(), null);
        assertEquals("cu128-precxx11", precxx.flavour());
        assertTrue(facts(true, null, 0, Map.of("PYTORCH_LIBRARY_PATH", "/x")).flavour().startsWith("unset"));
    }

    private static GpuEnvironment facts(boolean cudaBuild, String runtime, int gpus, Map<String, String> variables) {
        return new GpuEnvironment("2.7.1", "/root/.djl.ai/pytorch/2.7.1-cpu-linux-x86_64", cudaBuild, runtime, gpus, true,
                variables, null, List.of(), null);
    }
}
