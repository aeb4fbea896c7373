package io.sppo4j.model.nd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The host facts, read from files laid out as a GPU host has them, and the real probe here. */
class GpuEnvironmentTest {

    @Test
    void theProbeHereReportsDjlsBundledCpuLibrary() {
        GpuEnvironment here = GpuEnvironment.probe();
        assertTrue(here.bundledCpuLibrary(), "the default build carries pytorch-native-cpu");
        assertEquals(false, here.cudaBuild());
        assertEquals(0, here.usableGpus());
        assertTrue(here.torchVersion().startsWith("2.7.1"), here.torchVersion());
        assertTrue(Files.isRegularFile(Path.of(here.libtorchDir(), "libtorch.so")), here.libtorchDir());
        assertTrue(GpuEnvironment.librarySetup().startsWith("This jar bundles PyTorch's CPU library"), GpuEnvironment.librarySetup());
    }

    @Test
    void driverDevicesAndNvidiaSmiAreReadWhereAHostHasThem(@TempDir Path root) throws IOException {
        Path version = root.resolve("version");
        Files.writeString(version, "NVRM version: NVIDIA UNIX x86_64 Kernel Module  570.86.15\nGCC version: 12\n");
        assertEquals("NVRM version: NVIDIA UNIX x86_64 Kernel Module  570.86.15", GpuEnvironment.driverVersion(version));
        assertNull(GpuEnvironment.driverVersion(root.resolve("absent")));

        Path dev = Files.createDirectories(root.resolve("dev"));
        for (String node : List.of("nvidia1", "nvidia0", "nvidiactl", "nvidia-uvm", "null")) {
            Files.createFile(dev.resolve(node));
        }
        assertEquals(List.of(dev.resolve("nvidia0").toString(), dev.resolve("nvidia1").toString()), GpuEnvironment.deviceNodes(dev));
        assertEquals(List.of(), GpuEnvironment.deviceNodes(root.resolve("no-dev")));

        Path bin = Files.createDirectories(root.resolve("bin"));
        Path smi = Files.createFile(bin.resolve("nvidia-smi"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        assertEquals(smi.toString(), GpuEnvironment.onPath("nvidia-smi", root.resolve("empty") + ":" + bin));
        assertNull(GpuEnvironment.onPath("nvidia-smi", root.resolve("empty").toString()));
        assertNull(GpuEnvironment.onPath("nvidia-smi", null));
    }
}
