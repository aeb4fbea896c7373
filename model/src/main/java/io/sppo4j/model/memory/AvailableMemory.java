package io.sppo4j.model.memory;

import ai.djl.Device;
import ai.djl.util.cuda.CudaUtils;

import java.io.IOException;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** What a device can still give this process: host RAM from /proc, GPU memory from CUDA. */
public final class AvailableMemory {

    private AvailableMemory() {}

    /**
     * Bytes {@code device} can still give: on the host, {@code MemAvailable} of /proc/meminfo
     * plus what this process already holds (its resident set, which the ledger's totals include);
     * on a GPU, total minus used as CUDA reports them.
     *
     * @return -1 when unknown (not Linux, no CUDA library)
     */
    public static long of(Device device) {
        if (device.isGpu()) {
            try {
                MemoryUsage usage = CudaUtils.getGpuMemory(device);
                return usage.getMax() - usage.getUsed();
            } catch (RuntimeException e) {
                return -1;
            }
        }
        long available = meminfo("MemAvailable:");
        return available < 0 ? -1 : available + residentBytes();
    }

    /** This process's resident set in bytes, or 0 when unknown. */
    public static long residentBytes() {
        long kib = status("VmRSS:");
        return kib < 0 ? 0 : kib << 10;
    }

    /** This process's peak resident set in bytes, or 0 when unknown. */
    public static long peakResidentBytes() {
        long kib = status("VmHWM:");
        return kib < 0 ? 0 : kib << 10;
    }

    /** The Java heap in use (committed minus free) in bytes: garbage not yet collected included. */
    public static long heapInUseBytes() {
        Runtime runtime = Runtime.getRuntime();
        return runtime.totalMemory() - runtime.freeMemory();
    }

    private static long meminfo(String key) {
        long kib = field(Path.of("/proc/meminfo"), key);
        return kib < 0 ? -1 : kib << 10;
    }

    private static long status(String key) {
        return field(Path.of("/proc/self/status"), key);
    }

    /** The kB figure of a "Key:   1234 kB" line, or -1. */
    private static long field(Path file, String key) {
        try {
            List<String> lines = Files.readAllLines(file);
            for (String line : lines) {
                if (line.startsWith(key)) {
                    String[] parts = line.substring(key.length()).trim().split("\\s+");
                    return Long.parseLong(parts[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
