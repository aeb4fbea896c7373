package io.sppo4j.cluster.metrics;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.sppo4j.cluster.setup.TaskSetup;
import io.sppo4j.model.config.EffectiveConfig;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The pipeline a node or {@code train} builds names each role's device on /metrics. */
class DeviceMetricsTest {

    @Test
    void eachRolesDeviceAndSettingAreExported() throws Exception {
        TaskSetup setup = TaskSetup.from(EffectiveConfig.load(List.of(),
                List.of("sppo4j.learner.device=cpu", "sppo4j.rollout.device=auto")));
        PrometheusRegistry registry = new PrometheusRegistry();
        setup.pipeline(setup.initialWeights(), null, registry);
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(text, registry.scrape());
        String scraped = text.toString(StandardCharsets.UTF_8);
        assertTrue(scraped.contains("sppo_device_info{device=\"cpu\",role=\"learner\",setting=\"cpu\"} 1"), scraped);
        // No GPU here: auto resolved to the CPU, and the series says it was auto.
        assertTrue(scraped.contains("sppo_device_info{device=\"cpu\",role=\"rollout\",setting=\"auto\"} 1"), scraped);
    }
}
