package io.sppo4j.cluster.metrics;

import io.prometheus.metrics.core.metrics.Info;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.sppo4j.model.nd.DeviceChoice;

import java.util.Map;

/**
 * {@code sppo_device_info{role, device, setting} 1}: the device each role of this process computes
 * on, and the setting that chose it, so a dashboard shows a learner that asked for {@code auto}
 * and got the CPU.
 */
public final class DeviceMetrics {

    public static final String NAME = "sppo_device";

    private DeviceMetrics() {}

    /** @param byRole the roles' choices, keyed by role ({@code learner}, {@code rollout}) */
    public static void register(PrometheusRegistry registry, Map<String, DeviceChoice> byRole) {
        Info info = Info.builder().name(NAME)
                .help("The device each role of this process computes on (cpu or gpu:N) and its setting (auto, cpu, gpu, gpu:N).")
                .labelNames("role", "device", "setting").register(registry);
        byRole.forEach((role, choice) -> info.addLabelValues(role, choice.name(), choice.setting().trim()));
    }
}
