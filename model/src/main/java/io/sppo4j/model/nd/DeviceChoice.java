package io.sppo4j.model.nd;

import ai.djl.Device;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The device a setting resolved to, with the setting and why: what {@code auto} chose is
 * reported in the log, the metrics and the summaries, so a pod that reserved a GPU and trains on
 * its CPU says so.
 *
 * @param key the configuration key (or option) the setting came from
 * @param setting the value as written ({@code auto}, {@code cpu}, {@code gpu}, {@code gpu:N})
 * @param device what it resolved to
 * @param reason why this device: for {@code auto} the GPUs DJL saw, or why it saw none
 */
public record DeviceChoice(String key, String setting, Device device, String reason) {

    public boolean automatic() {
        return "auto".equals(setting.trim().toLowerCase(Locale.ROOT));
    }

    /** {@code cpu} or {@code gpu:N}, as metrics and summaries name devices. */
    public String name() {
        return Devices.describe(device);
    }

    /** One line for the log, e.g. {@code sppo4j.learner.device = auto: cpu (no usable GPU: ...)}. */
    public String line() {
        return key + " = " + setting.trim() + ": " + name() + " (" + reason + ")";
    }

    /** The summary's entry: {@code {"device": ..., "setting": ..., "reason": ...}}. */
    public Map<String, Object> summary() {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("device", name());
        entry.put("setting", setting.trim());
        entry.put("reason", reason);
        return entry;
    }
}
