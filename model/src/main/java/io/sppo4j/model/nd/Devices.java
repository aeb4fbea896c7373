package io.sppo4j.model.nd;

import ai.djl.Device;
import ai.djl.engine.Engine;

import java.util.Locale;

/** Parses the device settings ({@code auto | cpu | gpu | gpu:N}) into DJL devices. */
public final class Devices {

    private Devices() {}

    /**
     * @param spec {@code auto} (the first GPU DJL sees, else the CPU), {@code cpu}, {@code gpu}
     *     (GPU 0) or {@code gpu:N}
     * @param key the configuration key the value came from, named in errors
     */
    public static Device parse(String spec, String key) {
        String value = spec.trim().toLowerCase(Locale.ROOT);
        int gpus = Engine.getInstance().getGpuCount();
        switch (value) {
            case "auto":
                return gpus > 0 ? Device.gpu(0) : Device.cpu();
            case "cpu":
                return Device.cpu();
            case "gpu":
                return gpu(0, gpus, key);
            default:
                if (value.startsWith("gpu:")) {
                    try {
                        return gpu(Integer.parseInt(value.substring(4)), gpus, key);
                    } catch (NumberFormatException e) {
                        // fall through to the error below
                    }
                }
                throw new IllegalArgumentException(
                        key + ": expected auto, cpu, gpu or gpu:N, got '" + spec + "'");
        }
    }

    private static Device gpu(int index, int available, String key) {
        if (index < 0 || index >= available) {
            throw new IllegalArgumentException(
                    key + ": GPU " + index + " requested but DJL sees " + available + " GPU(s)");
        }
        return Device.gpu(index);
    }

    /** Human-readable name for summaries and metrics, e.g. {@code cpu} or {@code gpu:0}. */
    public static String describe(Device device) {
        return device.isGpu() ? "gpu:" + device.getDeviceId() : "cpu";
    }
}
