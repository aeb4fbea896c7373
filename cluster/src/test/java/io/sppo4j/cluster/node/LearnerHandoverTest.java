package io.sppo4j.cluster.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import io.sppo4j.model.config.EffectiveConfig;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The failover settings a node derives from {@code sppo4j.cluster}, and the combinations it refuses. */
class LearnerHandoverTest {

    @Test
    void byDefaultTheLearnerStartsUnderTheLeaseAfterAShortMargin() {
        Config settings = EffectiveConfig.load(List.of(), List.of("sppo4j.node.checkpoints=/shared/ckpt"));
        LearnerHandover handover = LearnerHandover.from(settings, true);
        assertTrue(handover.leased());
        assertEquals(Duration.ofMillis(500), handover.removalMargin());
        Config node = NodeSettings.of(settings, Set.of("learner"), 25520, List.of("127.0.0.1:25520"), "test");
        assertEquals(LearnerLease.class.getName(), node.getString(LearnerLease.CONFIG_PATH + ".lease-class"));
        assertEquals("/shared/ckpt", node.getString(LearnerLease.CONFIG_PATH + ".directory"));
        assertEquals(Duration.ofSeconds(5), node.getDuration(LearnerLease.CONFIG_PATH + ".heartbeat-timeout"));
        assertEquals(Duration.ofSeconds(4), node.getDuration("pekko.cluster.split-brain-resolver.stable-after"));
        assertEquals(Duration.ofSeconds(3), node.getDuration("pekko.cluster.failure-detector.acceptable-heartbeat-pause"));
    }

    @Test
    void withoutTheLeaseAMarginShorterThanStableAfterIsRefused() {
        Config settings = EffectiveConfig.load(List.of(), List.of("sppo4j.cluster.learner-handover.lease.enabled=false"));
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> LearnerHandover.from(settings, true));
        assertTrue(error.getMessage().contains("sppo4j.cluster.learner-handover.removal-margin")
                && error.getMessage().contains("two learners"), error.getMessage());
        Config safe = EffectiveConfig.load(List.of(), List.of("sppo4j.cluster.learner-handover.lease.enabled=false",
                "sppo4j.cluster.learner-handover.removal-margin=4s"));
        assertFalse(LearnerHandover.from(safe, true).leased());
    }

    @Test
    void aNodeWithoutACheckpointDirectoryHasNoLease() {
        assertFalse(LearnerHandover.from(EffectiveConfig.load(List.of(), List.of()), false).leased());
    }

    @Test
    void leaseMajorityNamesTheMissingApiServerVariable() {
        Config settings = EffectiveConfig.load(List.of(), List.of("sppo4j.cluster.downing=lease-majority",
                "sppo4j.cluster.kubernetes.api-host-env=SPPO4J_TEST_SURELY_UNSET_HOST"));
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> NodeSettings.of(settings, Set.of("judge"), 25520, List.of(), "test"));
        assertTrue(error.getMessage().contains("SPPO4J_TEST_SURELY_UNSET_HOST"), error.getMessage());
    }
}
