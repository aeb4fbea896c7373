package io.sppo4j.model.nd;

import ai.djl.engine.Engine;
import ai.djl.engine.StandardCapabilities;
import ai.djl.pytorch.jni.LibUtils;
import ai.djl.util.cuda.CudaUtils;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What this process can know about why DJL does or does not see a GPU: the PyTorch library DJL
 * loaded (and whether it is a CUDA build), whether DJL's CUDA probe found the CUDA runtime, the
 * variables that steer DJL, and the host's NVIDIA driver. {@link #whyNoGpu()} turns these facts
 * into the error a user reads when {@code device = gpu} cannot be met.
 *
 * @param torchVersion the version DJL reports for the loaded library ({@code PYTORCH_VERSION} when set)
 * @param libtorchDir the folder DJL loaded libtorch from
 * @param cudaBuild whether that libtorch was built with CUDA
 * @param cudaRuntime the CUDA runtime DJL's probe loaded ("12.8"), or null when it found none
 * @param gpus GPUs the CUDA runtime reports (0 without one)
 * @param bundledCpuLibrary whether the jar carries DJL's CPU library (the default build; the lean one does not)
 * @param variables the settings that steer DJL and CUDA, unset ones left out
 * @param driver the NVIDIA kernel driver's version line, or null when no driver is loaded
 * @param deviceNodes the {@code /dev/nvidiaN} files present
 * @param nvidiaSmi where {@code nvidia-smi} is on the PATH, or null
 */
public record GpuEnvironment(
        String torchVersion,
        String libtorchDir,
        boolean cudaBuild,
        String cudaRuntime,
        int gpus,
        boolean bundledCpuLibrary,
        Map<String, String> variables,
        String driver,
        List<String> deviceNodes,
        String nvidiaSmi) {

    /** The settings DJL's PyTorch loader reads (environment or system property), and CUDA's own. */
    static final List<String> VARIABLES = List.of("PYTORCH_LIBRARY_PATH", "PYTORCH_VERSION", "PYTORCH_FLAVOR",
            "CUDA_VISIBLE_DEVICES", "NVIDIA_VISIBLE_DEVICES", "jna.library.path");

    /** DJL's cache folder: {@code <version>[-<build date>]-<flavour>-<os>-<arch>}, e.g. 2.7.1-20250812-cpu-linux-x86_64. */
    private static final Pattern CACHE_FOLDER = Pattern.compile("\\d+\\.\\d+\\.\\d+(?:-\\d+)?-(.+)-(?:linux|osx|win)-[^-]+");

    /** The properties file that only pytorch-native-cpu's jar holds. */
    static final String BUNDLED_CPU_MARKER = "native/lib/pytorch.properties";

    /** The facts as they are in this process; loads the PyTorch engine (its failure propagates). */
    public static GpuEnvironment probe() {
        Engine engine = Engine.getEngine("PyTorch");
        boolean cudaBuild = engine.hasCapability(StandardCapabilities.CUDA);
        String runtime;
        try {
            runtime = CudaUtils.getCudaVersionString();
            runtime = runtime.substring(0, runtime.length() - 1) + "." + runtime.charAt(runtime.length() - 1);
        } catch (IllegalStateException noRuntime) { // "No cuda library is loaded."
            runtime = null;
        } catch (RuntimeException failed) { // the runtime is there but its call failed (e.g. an old driver)
            runtime = "error: " + failed.getMessage();
        }
        int gpus = CudaUtils.getGpuCount(); // 0 without a runtime
        return new GpuEnvironment(engine.getVersion(), LibUtils.getLibtorchPath(), cudaBuild, runtime, gpus,
                GpuEnvironment.class.getClassLoader().getResource(BUNDLED_CPU_MARKER) != null,
                currentVariables(), driverVersion(Path.of("/proc/driver/nvidia/version")), deviceNodes(Path.of("/dev")),
                onPath("nvidia-smi", System.getenv("PATH")));
    }

    /**
     * Where DJL takes its PyTorch library from, told without loading it: for the error when it
     * does not load (a lean jar without {@code PYTORCH_LIBRARY_PATH}, a folder without libtorch).
     */
    public static String librarySetup() {
        Map<String, String> set = currentVariables();
        boolean bundled = GpuEnvironment.class.getClassLoader().getResource(BUNDLED_CPU_MARKER) != null;
        String path = set.get("PYTORCH_LIBRARY_PATH");
        StringBuilder text = new StringBuilder(bundled ? "This jar bundles PyTorch's CPU library"
                : "This jar has no PyTorch library of its own (a lean -Pgpu build)");
        if (path == null) {
            text.append(bundled ? "" : ": set PYTORCH_LIBRARY_PATH to the torch/lib folder of PyTorch 2.7.1,"
                    + " with PYTORCH_VERSION=2.7.1 and PYTORCH_FLAVOR=cu128 (CUDA 12.x) or cpu");
        } else {
            boolean found = Arrays.stream(path.split(java.io.File.pathSeparator))
                    .anyMatch(folder -> Files.isRegularFile(Path.of(folder, "libtorch.so")));
            text.append(found ? "; PYTORCH_LIBRARY_PATH names a libtorch.so" : "; PYTORCH_LIBRARY_PATH holds no libtorch.so");
        }
        return text.append("; ").append(set.isEmpty() ? "no PYTORCH_* variable set" : describe(set)).toString();
    }

    /** GPUs DJL will use: only a CUDA build of libtorch uses the devices the runtime reports. */
    public int usableGpus() {
        return cudaBuild ? gpus : 0;
    }

    /**
     * Why DJL sees no usable GPU, naming what is missing: a CPU build of libtorch, the CUDA
     * runtime DJL could not find, or the driver and devices the host lacks; then the variables
     * that chose the library and what the host has.
     */
    public String whyNoGpu() {
        StringBuilder why = new StringBuilder();
        if (!cudaBuild) {
            why.append("the PyTorch library DJL loaded (").append(torchVersion).append(", flavour ").append(flavour())
                    .append(", from ").append(libtorchDir).append(") is a CPU build");
            if (!variables.containsKey("PYTORCH_LIBRARY_PATH")) {
                why.append(bundledCpuLibrary ? ": it is the CPU library bundled in sppo.jar" : "");
                why.append("; for a GPU point PYTORCH_LIBRARY_PATH at the torch/lib folder of PyTorch 2.7.1 built for"
                        + " CUDA 12.x, with PYTORCH_VERSION=2.7.1 and PYTORCH_FLAVOR=cu128");
            }
        } else if (cudaRuntime == null) {
            why.append("libtorch in ").append(libtorchDir).append(" is a CUDA build, but DJL found no CUDA runtime"
                    + " (libcudart) to count GPUs with: add its folder to -Djna.library.path (a pip install keeps it"
                    + " in site-packages/nvidia/cuda_runtime/lib)");
        } else if (cudaRuntime.startsWith("error")) {
            why.append("the CUDA runtime failed: ").append(cudaRuntime.substring("error: ".length()));
        } else {
            why.append("the CUDA ").append(cudaRuntime).append(" runtime reports no GPU");
        }
        why.append("; ").append(host());
        why.append("; ").append(variables.isEmpty() ? "no PYTORCH_* variable set" : describe(variables));
        return why.toString();
    }

    /** The driver, device nodes and nvidia-smi, as far as this process can see them. */
    String host() {
        List<String> parts = new ArrayList<>();
        parts.add(driver == null ? "no NVIDIA driver loaded (/proc/driver/nvidia/version absent)" : "driver: " + driver);
        parts.add(deviceNodes.isEmpty() ? "no /dev/nvidia* device" : "devices: " + String.join(", ", deviceNodes));
        parts.add(nvidiaSmi == null ? "nvidia-smi not on the PATH" : "nvidia-smi at " + nvidiaSmi);
        return String.join(", ", parts);
    }

    /**
     * The build flavour DJL picked the JNI glue by: {@code PYTORCH_FLAVOR}, else the one its cache
     * folder names ({@code <version>-<flavour>-<os>-<arch>}); with PYTORCH_LIBRARY_PATH and no
     * PYTORCH_FLAVOR, DJL guesses one (cpu-precxx11 or cuXYZ-precxx11) that pytorch-jni 2.7.1-0.35.0 lacks.
     */
    public String flavour() {
        String set = variables.get("PYTORCH_FLAVOR");
        if (set != null) {
            return set;
        }
        if (variables.containsKey("PYTORCH_LIBRARY_PATH")) {
            return "unset (DJL guesses a *-precxx11 flavour; set PYTORCH_FLAVOR)";
        }
        Matcher folder = CACHE_FOLDER.matcher(Path.of(libtorchDir).getFileName().toString());
        return folder.matches() ? folder.group(1) : "unknown";
    }

    private static Map<String, String> currentVariables() {
        Map<String, String> set = new LinkedHashMap<>();
        for (String name : VARIABLES) {
            String value = name.contains(".") ? System.getProperty(name) : System.getenv(name);
            if (value == null && !name.contains(".")) {
                value = System.getProperty(name); // DJL reads its variables from either place
            }
            if (value != null && !value.isEmpty()) {
                set.put(name, value);
            }
        }
        return set;
    }

    private static String describe(Map<String, String> variables) {
        List<String> parts = new ArrayList<>();
        variables.forEach((name, value) -> parts.add(name + "=" + value));
        return String.join(", ", parts);
    }

    static String driverVersion(Path versionFile) {
        try {
            return Files.isReadable(versionFile) ? Files.readAllLines(versionFile).stream().findFirst().orElse("").strip() : null;
        } catch (IOException e) {
            return "unreadable " + versionFile + ": " + e.getMessage();
        }
    }

    static List<String> deviceNodes(Path dev) {
        if (!Files.isDirectory(dev)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(dev)) {
            return entries.map(path -> path.getFileName().toString()).filter(name -> name.matches("nvidia\\d+"))
                    .sorted().map(name -> dev.resolve(name).toString()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("listing " + dev, e);
        }
    }

    static String onPath(String program, String path) {
        if (path == null) {
            return null;
        }
        for (String folder : path.split(java.io.File.pathSeparator)) {
            Path candidate = Path.of(folder.isEmpty() ? "." : folder, program);
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        return null;
    }
}
