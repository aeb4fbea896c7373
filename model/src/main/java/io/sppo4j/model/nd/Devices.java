package io.sppo4j.model.nd;

import ai.djl.Device;
import ai.djl.engine.EngineException;

import java.util.Locale;
import java.util.function.Supplier;

/** Parses the device settings ({@code auto | cpu | gpu | gpu:N}) into DJL devices. */
public final class Devices {

    private Devices() {}

    /**
     * @param spec {@code auto} (the first GPU DJL sees, else the CPU), {@code cpu}, {@code gpu}
     *     (GPU 0) or {@code gpu:N}
     * @param key the configuration key the value came from, named in errors
     */
    public static Device parse(String spec, String key) {
        return choose(spec, key).device();
    }

    /**
     * The device {@code spec} names, with why (callers log and export it: see {@link DeviceChoice}).
     *
     * @throws IllegalArgumentException naming {@code key} for a malformed value, for a GPU that is
     *     not there (with what is missing: see {@link GpuEnvironment#whyNoGpu()}), and when the
     *     PyTorch library does not load at all
     */
    public static DeviceChoice choose(String spec, String key) {
        return choose(spec, key, () -> probe(key));
    }

    static DeviceChoice choose(String spec, String key, Supplier<GpuEnvironment> environment) {
        String value = spec.trim().toLowerCase(Locale.ROOT);
        int index = gpuIndex(value, spec, key); // -1 for cpu and auto; malformed values fail before the engine loads
        GpuEnvironment facts = environment.get();
        int gpus = facts.usableGpus();
        DeviceChoice choice;
        if (value.equals("cpu")) {
            choice = new DeviceChoice(key, spec, Device.cpu(), "set");
        } else if (value.equals("auto")) {
            choice = gpus > 0
                    ? new DeviceChoice(key, spec, Device.gpu(0), "DJL sees " + gpus + " GPU(s), CUDA " + facts.cudaRuntime())
                    : new DeviceChoice(key, spec, Device.cpu(), "no usable GPU: " + facts.whyNoGpu());
        } else if (gpus == 0) {
            throw new IllegalArgumentException(key + " = " + spec.trim() + ", but DJL sees no GPU: " + facts.whyNoGpu());
        } else if (index >= gpus) {
            throw new IllegalArgumentException(
                    key + ": GPU " + index + " requested but DJL sees " + gpus + " GPU(s) (" + facts.host() + ")");
        } else {
            choice = new DeviceChoice(key, spec, Device.gpu(index), "set; DJL sees " + gpus + " GPU(s), CUDA " + facts.cudaRuntime());
        }
        return choice;
    }

    /** N for {@code gpu:N}, 0 for {@code gpu}, -1 for {@code cpu} and {@code auto}. */
    private static int gpuIndex(String value, String spec, String key) {
        switch (value) {
            case "auto":
            case "cpu":
                return -1;
            case "gpu":
                return 0;
            default:
                if (value.startsWith("gpu:")) {
                    try {
                        int index = Integer.parseInt(value.substring(4));
                        if (index >= 0) {
                            return index;
                        }
                    } catch (NumberFormatException e) {
                        // fall through to the error below
                    }
                }
                throw new IllegalArgumentException(key + ": expected auto, cpu, gpu or gpu:N, got '" + spec + "'");
        }
    }

    /** The facts, or a clear error when the PyTorch library itself does not load (a lean jar without one). */
    private static GpuEnvironment probe(String key) {
        try {
            return GpuEnvironment.probe();
        } catch (EngineException | UnsatisfiedLinkError e) {
            throw new IllegalArgumentException(key + ": the PyTorch engine did not load (" + rootMessage(e) + "). "
                    + GpuEnvironment.librarySetup(), e);
        }
    }

    private static String rootMessage(Throwable error) {
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == error ? String.valueOf(error.getMessage()) : error.getMessage() + ": " + root.getMessage();
    }

    /** Human-readable name for summaries and metrics, e.g. {@code cpu} or {@code gpu:0}. */
    public static String describe(Device device) {
        return device.isGpu() ? "gpu:" + device.getDeviceId() : "cpu";
    }
}
