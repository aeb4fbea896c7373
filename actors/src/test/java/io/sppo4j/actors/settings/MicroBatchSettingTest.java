package io.sppo4j.actors.settings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sppo4j.model.config.EffectiveConfig;

import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code sppo4j.learner.micro-batch-tokens}: auto follows the policy's origin; numbers are taken as given. */
class MicroBatchSettingTest {

    private static int tokens(String... overrides) {
        return LearnerSettings.from(EffectiveConfig.load(List.of(), List.of(overrides))).microBatchTokens();
    }

    @Test
    void autoSlicesAHuggingFacePolicysStepsAndKeepsTheBuiltInOnesWhole() {
        assertEquals(0, tokens());
        assertEquals(LearnerSettings.AUTO_MICRO_BATCH_TOKENS, tokens("sppo4j.policy.path=/models/smol"));
    }

    @Test
    void aNumberOrZeroIsTakenAsGiven() {
        assertEquals(1024, tokens("sppo4j.learner.micro-batch-tokens=1024", "sppo4j.policy.path=/models/smol"));
        assertEquals(0, tokens("sppo4j.learner.micro-batch-tokens=0", "sppo4j.policy.path=/models/smol"));
    }

    @Test
    void aNegativeBudgetFailsNamingTheKey() {
        IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class,
                () -> tokens("sppo4j.learner.micro-batch-tokens=-5"));
        assertTrue(wrong.getMessage().contains("sppo4j.learner.micro-batch-tokens"), wrong.getMessage());
    }
}
