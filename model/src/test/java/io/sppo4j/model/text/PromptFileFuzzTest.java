package io.sppo4j.model.text;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sppo4j.model.checkpoint.DurableFiles;
import io.sppo4j.model.fuzz.Fuzzing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Prompt files (JSONL and plain text) under generated and mutated bytes, read as training reads
 * them ({@link PromptFileReader}): a bad line is an {@link IllegalArgumentException} of the form
 * {@code FILE:LINE: what}; with {@code skip-bad-lines} it is counted and nothing throws.
 */
class PromptFileFuzzTest {

    private static final List<byte[]> SEEDS = List.of(
            "{\"prompt\": \"sort 5831\"}\n{\"prompt\": \"hello\"}\n".getBytes(),
            "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}, {\"role\": \"assistant\", \"content\": \"yo\"}]}\n".getBytes(),
            "{\"messages\": [{\"role\": \"system\", \"content\": \"be brief\"}, {\"role\": \"user\", \"content\": \"why?\"}]}\n\n"
                    .getBytes(),
            "plain prompt one\nplain prompt two\n".getBytes());
    private static Path directory;

    @BeforeContainer
    static void setUp() throws IOException {
        directory = Files.createTempDirectory("prompt-fuzz");
    }

    @AfterContainer
    static void cleanUp() throws IOException {
        DurableFiles.deleteRecursively(directory);
    }

    @Property(tries = 3_000)
    void aBadLineIsRefusedNamingFileAndLine(@ForAll("files") byte[] content, @ForAll boolean jsonl) throws IOException {
        Path file = directory.resolve(jsonl ? "prompts.jsonl" : "prompts.txt");
        Files.write(file, content);
        Fuzzing.Outcome strict = Fuzzing.decodes("prompt file", Fuzzing.allocationBound(content.length),
                () -> new PromptFileReader(Optional.empty(), false).read(file, PromptFormat.AUTO),
                IllegalArgumentException.class);
        if (strict.refused()) {
            assertTrue(strict.refusal().getMessage().startsWith(file + ":"), strict.refusal().getMessage());
        }
        Fuzzing.decodes("prompt file, skipping bad lines", Fuzzing.allocationBound(content.length),
                () -> new PromptFileReader(Optional.empty(), true).read(file, PromptFormat.AUTO));
    }

    @Provide
    Arbitrary<byte[]> files() {
        return Fuzzing.bytesAround(SEEDS, 4096);
    }
}
