package io.sppo4j.model.hf;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sppo4j.model.checkpoint.DurableFiles;
import io.sppo4j.model.fuzz.Fuzzing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * A Hugging Face {@code config.json} under generated and mutated input, read as loading a
 * model reads it ({@link HfModels#shape}: the architecture and every dimension). A bad file is
 * an {@link IllegalArgumentException} naming it, never another exception.
 */
class ConfigJsonFuzzTest {

    private static Path directory;
    private static List<String> seeds;

    @BeforeContainer
    static void seeds() throws IOException {
        directory = Files.createTempDirectory("config-fuzz");
        seeds = Arrays.stream(TinyHfModels.Kind.values()).map(kind -> TinyHfModels.config(kind).toString()).toList();
    }

    @AfterContainer
    static void cleanUp() throws IOException {
        DurableFiles.deleteRecursively(directory);
    }

    @Property(tries = 6_000)
    void aBadConfigIsRefusedNamingTheFile(@ForAll("configs") String config) throws IOException {
        Path file = directory.resolve(HfModelDirectory.CONFIG_FILE);
        Files.writeString(file, config, StandardCharsets.UTF_8);
        Fuzzing.Outcome outcome = Fuzzing.decodes("config.json", Fuzzing.allocationBound(config.length()),
                () -> HfModels.shape(directory), IllegalArgumentException.class);
        if (outcome.refused()) {
            assertTrue(outcome.refusal().getMessage().contains(HfModelDirectory.CONFIG_FILE), outcome.refusal().getMessage());
        }
    }

    @Provide
    Arbitrary<String> configs() {
        return Fuzzing.textAround(seeds, 4096);
    }
}
