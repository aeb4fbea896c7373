package io.sppo4j.cluster.cli;

import io.sppo4j.model.nd.DeviceChoice;
import io.sppo4j.model.nd.DeviceMemory;
import io.sppo4j.model.nd.DeviceSmoke;
import io.sppo4j.model.nd.Devices;
import io.sppo4j.model.nd.GpuEnvironment;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
        name = "devices",
        mixinStandardHelpOptions = true,
        description = {
            "What this machine offers DJL: the PyTorch library it loads (and whether it is a CUDA build),",
            "the GPUs it sees, the device a setting resolves to and its memory, and one matrix product there",
            "checked against the CPU. Fails naming what is missing when --device gpu cannot be met.",
            "Checks a node before training (docs/deploy-kubernetes.md, \"Check a node\")."
        })
final class DevicesCommand implements Callable<Integer> {

    private static final double GIB = 1024.0 * 1024 * 1024;

    @Option(names = "--device", paramLabel = "DEVICE", defaultValue = "auto",
            description = "auto, cpu, gpu or gpu:N (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--smoke-size", paramLabel = "N", defaultValue = "1024",
            description = "Side of the square matrices multiplied on the device and the CPU; 0 skips it (default: ${DEFAULT-VALUE}).")
    int smokeSize;

    @Option(names = "--json", description = "Print a JSON summary as the last stdout line.")
    boolean json;

    @Override
    public Integer call() {
        if (smokeSize < 0) {
            throw new IllegalArgumentException("--smoke-size: expected 0 or more, got " + smokeSize);
        }
        DeviceChoice choice = Devices.choose(device, "--device");
        GpuEnvironment environment = GpuEnvironment.probe();
        DeviceMemory memory = DeviceMemory.of(choice.device());
        Map<String, Object> summary = new LinkedHashMap<>(choice.summary());
        summary.put("torch_version", environment.torchVersion());
        summary.put("libtorch", environment.libtorchDir());
        summary.put("flavour", environment.flavour());
        summary.put("cuda_build", environment.cudaBuild());
        summary.put("cuda_runtime", environment.cudaRuntime());
        summary.put("gpus", environment.usableGpus());
        summary.put("bundled_cpu_library", environment.bundledCpuLibrary());
        summary.put("variables", environment.variables());
        summary.put("memory_total_bytes", memory.totalBytes());
        summary.put("memory_free_bytes", memory.freeBytes());
        summary.put("memory_source", memory.source());
        System.err.println("devices: " + choice.line());
        System.err.printf("devices: PyTorch %s (%s) from %s; %d GPU(s); %s memory %.1f GiB, %.1f GiB free%n",
                environment.torchVersion(), environment.cudaBuild() ? "CUDA build, flavour " + environment.flavour() : "CPU build",
                environment.libtorchDir(), environment.usableGpus(), choice.name(), memory.totalBytes() / GIB,
                memory.freeBytes() / GIB);
        boolean ok = true;
        if (smokeSize > 0) {
            DeviceSmoke smoke = DeviceSmoke.run(choice.device(), smokeSize);
            ok = smoke.matches();
            summary.put("smoke_size", smoke.size());
            summary.put("smoke_max_abs_diff", smoke.maxAbsDifference());
            summary.put("smoke_seconds", smoke.seconds());
            summary.put("smoke_matches", smoke.matches());
            System.err.printf("devices: %dx%d matrix product on %s: max |device - cpu| = %.3g (%s), %.3f s%n", smokeSize,
                    smokeSize, choice.name(), smoke.maxAbsDifference(), ok ? "ok" : "MISMATCH", smoke.seconds());
        }
        if (json) {
            System.out.println(Json.line(summary));
        }
        return ok ? 0 : 1;
    }
}
