package io.sppo4j.cluster.serialization;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sppo4j.actors.WeightCache;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** sppo4j-serialization.conf says what the serializers and Artery need. */
class SerializationConfigTest {

    private static final Config CONFIG = ConfigFactory.parseResources("sppo4j-serialization.conf").resolve();

    @Test
    void bindsTheThreeDataPlaneClassesToProtobufAndEveryOtherMessageToKryo() {
        Config actor = CONFIG.getConfig("pekko.actor");
        assertEquals(DataPlaneSerializer.class.getName(), actor.getString("serializers.sppo-data"));
        assertEquals(ControlPlaneSerializer.class.getName(), actor.getString("serializers.sppo-control"));
        Map<String, Object> bindings = actor.getObject("serialization-bindings").unwrapped();
        assertEquals(Map.of(
                "io.sppo4j.actors.JudgeWorker$Judge", "sppo-data",
                "io.sppo4j.actors.Learner$GroupJudged", "sppo-data",
                "io.sppo4j.actors.WeightCache$Offer", "sppo-data",
                "io.sppo4j.actors.SppoMessage", "sppo-control"), bindings);
        for (String className : bindings.keySet()) {
            assertTrue(classExists(className), className);
        }
        assertFalse(actor.getBoolean("allow-java-serialization"));
    }

    @Test
    void refusalsAreExposedOnARegistry() {
        PrometheusRegistry registry = new PrometheusRegistry();
        WireRefusals.registerOn(registry);
        WireRefusals.count(WireRefusals.Reason.MALFORMED);
        CounterSnapshot counter = (CounterSnapshot) registry.scrape().stream()
                .filter(metric -> metric.getMetadata().getPrometheusName().equals("sppo_wire_refused"))
                .findFirst().orElseThrow();
        Map<String, Double> byReason = new HashMap<>();
        for (CounterSnapshot.CounterDataPointSnapshot point : counter.getDataPoints()) {
            byReason.put(point.getLabels().get("reason"), point.getValue());
        }
        assertEquals(WireRefusals.Reason.values().length, byReason.size(), byReason.toString());
        assertTrue(byReason.get("malformed") >= 1, byReason.toString());
    }

    private static boolean classExists(String name) {
        try {
            Class.forName(name);
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }
}
