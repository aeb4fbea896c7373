package io.sppo4j.model.tokenizer;

import io.sppo4j.model.checkpoint.DurableFiles;
import io.sppo4j.model.fuzz.Fuzzing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * {@code tokenizer_config.json} (with {@code generation_config.json} beside it) under
 * generated and mutated input, read as a tokenizer is loaded ({@link SpecialTokens#read}):
 * special tokens named by text or id, flags, stop ids. A bad file is an
 * {@link IllegalArgumentException} naming it.
 */
class TokenizerConfigFuzzTest {

    private static final List<String> MODELS = List.of("gpt2", "llama3", "qwen2.5", "qwen3", "smollm2");
    private static final TokenVocabulary VOCABULARY = new TokenVocabulary(Map.of(
            "<|endoftext|>", 0, "<|begin_of_text|>", 1, "<|eot_id|>", 2, "<|im_end|>", 3, "<|im_start|>", 4,
            "<s>", 5, "</s>", 6, "<unk>", 7), 50_000);
    private static Path directory;
    private static List<String> seeds;

    @BeforeContainer
    static void seeds() throws IOException {
        directory = Files.createTempDirectory("tokenizer-config-fuzz");
        seeds = new ArrayList<>();
        for (String model : MODELS) {
            try (InputStream in = TokenizerConfigFuzzTest.class.getResourceAsStream(model + "/tokenizer_config.json")) {
                seeds.add(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        }
        Files.writeString(directory.resolve(ModelFiles.GENERATION_CONFIG), "{\"bos_token_id\": 1, \"eos_token_id\": [2, 3]}");
    }

    @AfterContainer
    static void cleanUp() throws IOException {
        DurableFiles.deleteRecursively(directory);
    }

    @Property(tries = 6_000)
    void aBadTokenizerConfigIsRefusedNamingTheFile(@ForAll("configs") String config) throws IOException {
        Files.writeString(directory.resolve(ModelFiles.TOKENIZER_CONFIG), config, StandardCharsets.UTF_8);
        Fuzzing.decodes("tokenizer_config.json", Fuzzing.allocationBound(config.length()),
                () -> SpecialTokens.read(directory, VOCABULARY), IllegalArgumentException.class);
    }

    @Provide
    Arbitrary<String> configs() {
        return Fuzzing.textAround(seeds, 8192);
    }
}
