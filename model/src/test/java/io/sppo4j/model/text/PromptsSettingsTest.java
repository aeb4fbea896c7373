package io.sppo4j.model.text;

import io.sppo4j.model.config.EffectiveConfig;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PromptsSettingsTest {

    @Test
    void defaultsComeFromReferenceConf() {
        PromptsSettings defaults = PromptsSettings.from(EffectiveConfig.defaults());
        assertEquals(new PromptsSettings("", PromptFormat.AUTO, 1, 1, 0.05, false), defaults);
        assertFalse(defaults.configured());
    }

    @Test
    void overridesAreRead() {
        PromptsSettings config = PromptsSettings.from(EffectiveConfig.load(List.of(), List.of(
                "sppo4j.prompts.path=/data/prompts.txt", "sppo4j.prompts.format=jsonl", "sppo4j.prompts.shuffle-seed=9",
                "sppo4j.prompts.epochs=3", "sppo4j.prompts.held-out=100", "sppo4j.prompts.skip-bad-lines=true")));
        assertEquals(new PromptsSettings("/data/prompts.txt", PromptFormat.JSONL, 9, 3, 100, true), config);
        assertEquals(100, config.heldOutCount(1000));
        assertEquals(50, new PromptsSettings("p", PromptFormat.AUTO, 1, 1, 0.05, false).heldOutCount(1000));
    }

    @Test
    void badValuesNameTheirKey() {
        IllegalArgumentException format = assertThrows(IllegalArgumentException.class, () -> PromptsSettings.from(
                EffectiveConfig.load(List.of(), List.of("sppo4j.prompts.format=csv"))));
        assertTrue(format.getMessage().startsWith("sppo4j.prompts.format: "), format.getMessage());
        IllegalArgumentException heldOut = assertThrows(IllegalArgumentException.class, () -> PromptsSettings.from(
                EffectiveConfig.load(List.of(), List.of("sppo4j.prompts.held-out=2.5"))));
        assertTrue(heldOut.getMessage().startsWith("sppo4j.prompts: held-out"), heldOut.getMessage());
        IllegalArgumentException epochs = assertThrows(IllegalArgumentException.class, () -> PromptsSettings.from(
                EffectiveConfig.load(List.of(), List.of("sppo4j.prompts.epochs=0"))));
        assertTrue(epochs.getMessage().startsWith("sppo4j.prompts.epochs"), epochs.getMessage());
    }
}
