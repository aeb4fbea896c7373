package io.sppo4j.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Released tokenizers (Qwen3; Llama 3 Instruct when fetched) against transformers.js's ids for
 * the same inputs: hard strings one by one, the BOS rule, the chat template with
 * add_generation_prompt, and the special and stop tokens. The shipped jar is checked on the same
 * files by the cluster module's integration tests.
 */
class RealTokenizersTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(RealTokenizers.class)
    void hardStringsEncodeAsTransformersJsEncodesThem(RealTokenizers model) throws IOException {
        model.copyInto(dir);
        RealTokenizers.Expected expected = model.expected();
        try (HfTokenizer tokenizer = HfTokenizer.load(dir)) {
            for (RealTokenizers.Case text : expected.texts()) {
                assertArrayEquals(text.ids(), tokenizer.encodePrompt(text.text()), model + ": " + text.text());
            }
            assertArrayEquals(expected.raw().ids(), tokenizer.encodePrompt(expected.raw().text()), model + ": all strings in one prompt");
        }
    }

    @ParameterizedTest
    @EnumSource(RealTokenizers.class)
    void theChatTemplateEndsWhereTheAssistantBeginsWithBosOnce(RealTokenizers model) throws IOException {
        model.copyInto(dir);
        RealTokenizers.Expected expected = model.expected();
        ChatTemplate template = ChatTemplate.fromModelDirectory(dir).orElseThrow();
        String rendered = template.render(List.of(ChatMessage.user(expected.chatContent())));
        assertEquals(expected.chatRendered(), rendered, model + ": rendered chat prompt");
        try (HfTokenizer tokenizer = HfTokenizer.load(dir)) {
            int[] ids = tokenizer.encodePrompt(rendered);
            assertArrayEquals(expected.chatIds(), ids, model + ": chat prompt ids");
            // The template prints BOS itself; encodePrompt must not add a second one in front.
            expected.bos().ifPresent(bos -> {
                assertEquals(bos.intValue(), ids[0], model + ": the prompt starts with BOS");
                assertNotEquals(bos.intValue(), ids[1], model + ": BOS not doubled");
            });
        }
    }

    @ParameterizedTest
    @EnumSource(RealTokenizers.class)
    void specialTokensComeFromTheConfigFiles(RealTokenizers model) throws IOException {
        model.copyInto(dir);
        RealTokenizers.Expected expected = model.expected();
        try (HfTokenizer tokenizer = HfTokenizer.load(dir)) {
            assertEquals(expected.eos(), tokenizer.eos(), model + ": EOS");
            boolean referenceAddsBos = expected.bos().isPresent() && expected.texts().get(0).ids()[0] == expected.bos().get();
            assertEquals(referenceAddsBos, tokenizer.prependsBos(), model + ": BOS prepended to raw text");
            expected.bos().ifPresent(bos -> assertEquals(bos.intValue(), tokenizer.bos(), model + ": BOS"));
            int[] stops = tokenizer.stopTokens();
            Arrays.sort(stops);
            int[] wanted = model.stopTokens();
            Arrays.sort(wanted);
            assertArrayEquals(wanted, stops, model + ": stop tokens are EOS and generation_config's eos_token_id");
        }
    }
}
