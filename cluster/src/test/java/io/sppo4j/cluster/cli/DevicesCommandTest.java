package io.sppo4j.cluster.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;

import org.junit.jupiter.api.Test;

/** {@code sppo devices} on this CPU-only machine: what DJL loaded, the memory hook and the smoke product. */
class DevicesCommandTest {

    @Test
    void theCpuIsDescribedMeasuredAndChecked() {
        CliRun.Result result = CliRun.run("devices", "--device", "auto", "--smoke-size", "96", "--json");
        assertEquals(0, result.code(), result.err());
        JsonObject summary = result.lastJsonLine();
        assertEquals("cpu", summary.get("device").getAsString());
        assertEquals("auto", summary.get("setting").getAsString());
        assertTrue(summary.get("reason").getAsString().contains("is a CPU build"), summary.toString());
        assertFalse(summary.get("cuda_build").getAsBoolean());
        assertTrue(summary.get("bundled_cpu_library").getAsBoolean());
        assertEquals("cpu", summary.get("flavour").getAsString());
        assertTrue(summary.get("torch_version").getAsString().startsWith("2.7.1"), summary.toString());
        long total = summary.get("memory_total_bytes").getAsLong();
        long free = summary.get("memory_free_bytes").getAsLong();
        assertTrue(total > 0 && free > 0 && free <= total, summary.toString());
        assertTrue(summary.get("smoke_matches").getAsBoolean(), summary.toString());
        assertEquals(96, summary.get("smoke_size").getAsInt());
        assertEquals(0.0, summary.get("smoke_max_abs_diff").getAsDouble(), 1e-4, "the CPU against itself");
    }

    @Test
    void aGpuThatIsNotThereIsAOneLineErrorNamingWhatIsMissing() {
        CliRun.Result result = CliRun.run("devices", "--device", "gpu");
        assertEquals(2, result.code(), result.err());
        assertTrue(result.err().startsWith("error: --device = gpu, but DJL sees no GPU: "), result.err());
        assertTrue(result.err().contains("nvidia-smi"), result.err());
    }
}
