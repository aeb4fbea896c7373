package io.sppo4j.model.nd;

import ai.djl.Device;
import ai.djl.util.cuda.CudaUtils;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * Total and free memory of the device a role runs on: the GPU's memory there (CUDA's
 * {@code cudaMemGetInfo}, through DJL), the machine's RAM on the CPU. The hook a start-up memory
 * ledger reads to state what fits.
 *
 * <p>On a GPU, "free" is the device's: memory PyTorch's caching allocator holds but does not use
 * counts as taken. On the CPU, the total is the container's memory limit where the JVM sees one,
 * and free is the kernel's MemAvailable (page cache it can reclaim counts as free) on a host
 * without one.
 *
 * @param device {@code cpu} or {@code gpu:N}
 * @param totalBytes the device's memory
 * @param freeBytes what is not taken now
 * @param source where the figures came from
 */
public record DeviceMemory(String device, long totalBytes, long freeBytes, String source) {

    private static final Path MEMINFO = Path.of("/proc/meminfo");

    public long usedBytes() {
        return totalBytes - freeBytes;
    }

    /**
     * @throws IllegalArgumentException naming the device when it is a GPU and no CUDA runtime or
     *     no such GPU is there
     */
    public static DeviceMemory of(Device device) {
        return device.isGpu() ? gpu(device) : cpu();
    }

    private static DeviceMemory gpu(Device device) {
        String name = Devices.describe(device);
        MemoryUsage usage;
        try {
            usage = CudaUtils.getGpuMemory(device);
        } catch (IllegalStateException | IllegalArgumentException | ai.djl.engine.EngineException e) {
            throw new IllegalArgumentException(name + ": cannot read the GPU's memory: " + e.getMessage(), e);
        }
        long total = usage.getMax();
        return new DeviceMemory(name, total, total - usage.getUsed(), "cudaMemGetInfo");
    }

    private static DeviceMemory cpu() {
        // The JDK's bean reads the container's limit and usage (cgroups) when there is one.
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long total = os.getTotalMemorySize();
        long free = os.getFreeMemorySize();
        OptionalLong hostTotal = meminfo("MemTotal");
        OptionalLong available = meminfo("MemAvailable");
        if (hostTotal.isPresent() && hostTotal.getAsLong() == total && available.isPresent()) {
            // No container limit: MemFree leaves out the page cache the kernel would hand back.
            return new DeviceMemory("cpu", total, Math.min(total, available.getAsLong()), "/proc/meminfo MemAvailable");
        }
        return new DeviceMemory("cpu", total, free, "OperatingSystemMXBean");
    }

    /** A {@code /proc/meminfo} field in bytes ("MemAvailable:  123 kB"), if the file is there. */
    private static OptionalLong meminfo(String field) {
        if (!Files.isReadable(MEMINFO)) {
            return OptionalLong.empty();
        }
        try {
            for (String line : Files.readAllLines(MEMINFO)) {
                if (line.startsWith(field + ":")) {
                    String[] parts = line.substring(field.length() + 1).trim().split("\\s+");
                    return OptionalLong.of(Long.parseLong(parts[0]) * 1024);
                }
            }
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
        return OptionalLong.empty();
    }
}
