package io.sppo4j.model.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import io.sppo4j.model.policy.PolicyConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EffectiveConfigTest {

    @TempDir
    Path dir;

    @Test
    void defaultsComeFromReferenceConf() {
        Config config = EffectiveConfig.defaults();
        assertEquals(128, config.getInt("sppo4j.policy.width"));
        assertEquals("sort", config.getString("sppo4j.task"));
    }

    @Test
    void filesOverrideDefaultsAndSetOverridesFiles() throws Exception {
        Path first = write("a.conf", "sppo4j.policy.width = 64\nsppo4j.policy.layers = 3\n");
        Path second = write("b.conf", "sppo4j.policy.layers = 5\n");
        Config config = EffectiveConfig.load(List.of(first, second), List.of("sppo4j.policy.heads=8"));
        assertEquals(64, config.getInt("sppo4j.policy.width"));
        assertEquals(5, config.getInt("sppo4j.policy.layers"));
        assertEquals(8, config.getInt("sppo4j.policy.heads"));
    }

    @Test
    void unknownKeyInAFileIsRefusedWithItsPathFileAndLine() throws Exception {
        Path file = write("typo.conf", "sppo4j {\n  policy {\n    widht = 64\n  }\n}\n");
        IllegalArgumentException error =
                assertThrows(IllegalArgumentException.class, () -> EffectiveConfig.load(List.of(file), List.of()));
        assertTrue(error.getMessage().contains("sppo4j.policy.widht"), error.getMessage());
        assertTrue(error.getMessage().contains("typo.conf"), error.getMessage());
        assertTrue(error.getMessage().contains("3"), "line number: " + error.getMessage());
    }

    @Test
    void unknownKeyFromSetIsRefused() {
        IllegalArgumentException error = assertThrows(
                IllegalArgumentException.class, () -> EffectiveConfig.load(List.of(), List.of("sppo4j.sft.stepz=3")));
        assertTrue(error.getMessage().contains("sppo4j.sft.stepz"), error.getMessage());
        assertTrue(error.getMessage().contains("--set"), error.getMessage());
    }

    @Test
    void wrongTypeNamesTheKey() {
        Config config = EffectiveConfig.load(List.of(), List.of("sppo4j.policy.width=wide"));
        ConfigException error = assertThrows(ConfigException.class, () -> PolicyConfig.from(config, 259));
        assertTrue(error.getMessage().contains("sppo4j.policy.width"), error.getMessage());
    }

    @Test
    void outOfRangeValueNamesTheKey() {
        Config config = EffectiveConfig.load(List.of(), List.of("sppo4j.policy.heads=5"));
        IllegalArgumentException error =
                assertThrows(IllegalArgumentException.class, () -> PolicyConfig.from(config, 259));
        assertTrue(error.getMessage().contains("sppo4j.policy"), error.getMessage());
        assertTrue(error.getMessage().contains("heads 5"), error.getMessage());
    }

    @Test
    void missingFileIsNamed() {
        IllegalArgumentException error = assertThrows(
                IllegalArgumentException.class, () -> EffectiveConfig.load(List.of(dir.resolve("nope.conf")), List.of()));
        assertTrue(error.getMessage().contains("nope.conf"), error.getMessage());
    }

    private Path write(String name, String content) throws Exception {
        Path file = dir.resolve(name);
        Files.writeString(file, content);
        return file;
    }
}
