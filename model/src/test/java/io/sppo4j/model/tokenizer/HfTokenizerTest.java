package io.sppo4j.model.tokenizer;

import ai.djl.util.Utils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HfTokenizerTest {

    private static HfTokenizer load(String model) throws IOException {
        return HfTokenizer.load(TinyModels.directory(model));
    }

    @Test
    void bytePairMergesApplyAndTextRoundTrips() throws IOException {
        try (HfTokenizer gpt2 = load("gpt2")) {
            int hello = 259;
            int spaceWorld = 264;
            assertArrayEquals(new int[] {hello, spaceWorld}, gpt2.encode("hello world"));
            assertEquals(TinyModels.VOCAB_SIZE, gpt2.vocabSize());
            assertEquals("hello world", gpt2.decode(new int[] {hello, TinyModels.VOCAB_SIZE + 100, spaceWorld}),
                    "ids past the tokenizer's vocabulary (a padded embedding) decode to nothing");
            for (String text : List.of("hello world", "Ünïcödé, digits 0123 and\ttabs\n", "")) {
                assertEquals(text, gpt2.decode(gpt2.encode(text)));
            }
        }
    }

    @Test
    void specialTokensWrittenInTextAreMatchedAndDroppedWhenDecoding() throws IOException {
        try (HfTokenizer smol = load("smollm2")) {
            int[] ids = smol.encode("<|im_start|>user\nhello<|im_end|>");
            assertEquals(TinyModels.IM_START, ids[0]);
            assertEquals(TinyModels.IM_END, ids[ids.length - 1]);
            assertEquals("user\nhello", smol.decode(Stream.of(ids).flatMapToInt(java.util.Arrays::stream)
                    .limit(ids.length - 1).toArray()));
        }
    }

    @Test
    void gpt2StyleHasOneTokenForEverythingAndNoBos() throws IOException {
        try (HfTokenizer gpt2 = load("gpt2")) {
            assertEquals(TinyModels.ENDOFTEXT, gpt2.bos());
            assertEquals(TinyModels.ENDOFTEXT, gpt2.eos());
            assertEquals(TinyModels.ENDOFTEXT, gpt2.pad(), "pad falls back to eos");
            assertArrayEquals(new int[] {TinyModels.ENDOFTEXT}, gpt2.stopTokens());
            assertFalse(gpt2.prependsBos());
            assertArrayEquals(gpt2.encode("hello"), gpt2.encodePrompt("hello"));
        }
    }

    @Test
    void llama3StyleTakesBosFromThePostProcessorAndEveryEosIdFromTheGenerationConfig() throws IOException {
        try (HfTokenizer llama = load("llama3")) {
            assertEquals(TinyModels.BEGIN_OF_TEXT, llama.bos());
            assertEquals(TinyModels.EOT_ID, llama.eos(), "eos_token of tokenizer_config.json");
            assertEquals(TinyModels.EOT_ID, llama.pad(), "no pad token: eos");
            assertArrayEquals(new int[] {TinyModels.EOT_ID, TinyModels.ENDOFTEXT}, llama.stopTokens());
            assertTrue(llama.prependsBos());
            assertArrayEquals(new int[] {TinyModels.BEGIN_OF_TEXT, 259}, llama.encodePrompt("hello"));
            // A chat-rendered prompt already starts with BOS: it is not doubled.
            int[] chat = llama.encodePrompt("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nhello<|eot_id|>");
            assertEquals(TinyModels.BEGIN_OF_TEXT, chat[0]);
            assertTrue(chat[1] != TinyModels.BEGIN_OF_TEXT);
            assertEquals("hello", llama.decode(new int[] {259, TinyModels.ENDOFTEXT, 264}), "any stop token ends the text");
        }
    }

    @Test
    void qwenStyleHasNoBosTokenAndTwoStopTokens() throws IOException {
        try (HfTokenizer qwen = load("qwen2.5")) {
            SpecialTokens special = qwen.specialTokens();
            assertEquals(Optional.empty(), special.bosText(), "bos_token is null");
            assertEquals(Optional.of(false), special.addBosToken());
            assertEquals(TinyModels.IM_END, qwen.eos());
            assertEquals(TinyModels.ENDOFTEXT, qwen.pad());
            assertArrayEquals(new int[] {TinyModels.IM_END, TinyModels.ENDOFTEXT}, qwen.stopTokens());
            assertFalse(qwen.prependsBos());
            assertArrayEquals(new int[] {259}, qwen.encodePrompt("hello"));
            assertArrayEquals(new int[] {259, TinyModels.IM_END}, qwen.encodeResponse("hello"));
        }
    }

    @Test
    void smolLm2StyleReadsAddedTokenObjects() throws IOException {
        try (HfTokenizer smol = load("smollm2")) {
            assertEquals(Optional.of("<|im_start|>"), smol.specialTokens().bosText());
            assertEquals(TinyModels.IM_START, smol.bos());
            assertEquals(TinyModels.IM_END, smol.eos());
            assertEquals(TinyModels.IM_END, smol.pad());
            assertFalse(smol.prependsBos(), "the ByteLevel post-processor adds no BOS");
        }
    }

    @Test
    void aRenderedLlama3ChatPromptStartsWithExactlyOneBos() throws IOException {
        Path llama3 = TinyModels.directory("llama3");
        ChatTemplate template = ChatTemplate.fromModelDirectory(llama3).orElseThrow();
        try (HfTokenizer llama = HfTokenizer.load(llama3)) {
            int[] ids = llama.encodePrompt(template.render(List.of(ChatMessage.user("hello"))));
            int startHeader = TinyModels.IM_END + 1;
            int endHeader = TinyModels.IM_END + 2;
            assertArrayEquals(new int[] {TinyModels.BEGIN_OF_TEXT, startHeader, endHeader, TinyModels.EOT_ID, startHeader, endHeader},
                    java.util.Arrays.stream(ids).filter(id -> id >= TinyModels.ENDOFTEXT).toArray(),
                    "special tokens written by the template are single ids, BOS once");
            assertEquals(TinyModels.BEGIN_OF_TEXT, ids[0]);
        }
    }

    @Test
    void aPromptPastTheLimitKeepsItsBosAndItsEndAndIsCounted() throws IOException {
        Path llama3 = TinyModels.directory("llama3");
        ChatTemplate template = ChatTemplate.fromModelDirectory(llama3).orElseThrow();
        String prompt = template.render(List.of(ChatMessage.user("a long question ".repeat(20))));
        try (HfTokenizer whole = HfTokenizer.load(llama3); HfTokenizer limited = HfTokenizer.load(llama3, 40)) {
            int[] full = whole.encodePrompt(prompt);
            assertTrue(full.length > 40, "the prompt is longer than the limit: " + full.length);
            int[] cut = limited.encodePrompt(prompt);
            assertEquals(40, cut.length);
            assertEquals(TinyModels.BEGIN_OF_TEXT, cut[0], "BOS stays first");
            assertArrayEquals(java.util.Arrays.copyOfRange(full, full.length - 39, full.length),
                    java.util.Arrays.copyOfRange(cut, 1, 40), "then the prompt's last 39 tokens: the assistant header it ends with");
            assertEquals(1, limited.promptsCut());
            int[] shortOne = limited.encodePrompt(template.render(List.of(ChatMessage.user("hi"))));
            assertArrayEquals(whole.encodePrompt(template.render(List.of(ChatMessage.user("hi")))), shortOne,
                    "a prompt within the limit is untouched");
            assertEquals(1, limited.promptsCut(), "and not counted");
            assertEquals(0, whole.promptsCut());
        }
        assertThrows(IllegalArgumentException.class, () -> HfTokenizer.load(llama3, 1));
    }

    @Test
    void specialTokensMapAndGenerationConfigAreFallbacks(@TempDir Path directory) throws IOException {
        Files.copy(TinyModels.directory("gpt2").resolve("tokenizer.json"), directory.resolve("tokenizer.json"));
        Files.writeString(directory.resolve("special_tokens_map.json"),
                "{\"eos_token\": {\"content\": \"<|im_end|>\", \"special\": true}}");
        Files.writeString(directory.resolve("generation_config.json"),
                "{\"bos_token_id\": " + TinyModels.IM_START + ", \"pad_token_id\": " + TinyModels.ENDOFTEXT
                        + ", \"eos_token_id\": " + TinyModels.EOT_ID + "}");
        try (HfTokenizer tokenizer = HfTokenizer.load(directory)) {
            assertEquals(TinyModels.IM_END, tokenizer.eos(), "special_tokens_map.json names the EOS");
            assertEquals(TinyModels.IM_START, tokenizer.bos(), "generation_config.json gives the BOS id");
            assertEquals(TinyModels.ENDOFTEXT, tokenizer.pad());
            assertArrayEquals(new int[] {TinyModels.IM_END, TinyModels.EOT_ID}, tokenizer.stopTokens());
        }
    }

    @Test
    void addBosTokenOverridesThePostProcessor(@TempDir Path directory) throws IOException {
        Files.copy(TinyModels.directory("gpt2").resolve("tokenizer.json"), directory.resolve("tokenizer.json"));
        Files.writeString(directory.resolve("tokenizer_config.json"),
                "{\"add_bos_token\": true, \"bos_token\": {\"content\": \"<|begin_of_text|>\"}, \"eos_token\": \"<|eot_id|>\"}");
        try (HfTokenizer tokenizer = HfTokenizer.load(directory)) {
            assertArrayEquals(new int[] {TinyModels.BEGIN_OF_TEXT, 259}, tokenizer.encodePrompt("hello"));
        }
    }

    @Test
    void unknownSpecialTokensAndMissingEosFailNamingTheDirectory(@TempDir Path directory) throws IOException {
        Files.copy(TinyModels.directory("gpt2").resolve("tokenizer.json"), directory.resolve("tokenizer.json"));
        IllegalArgumentException noEos = assertThrows(IllegalArgumentException.class, () -> HfTokenizer.load(directory));
        assertTrue(noEos.getMessage().contains("no EOS token"), noEos.getMessage());
        Files.writeString(directory.resolve("tokenizer_config.json"), "{\"eos_token\": \"</s>\"}");
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> HfTokenizer.load(directory));
        assertTrue(unknown.getMessage().contains("'</s>' is not in tokenizer.json"), unknown.getMessage());
    }

    @Test
    void nativeLibraryIsUnpackedFromTheJarIntoDjlsCache() throws IOException {
        try (HfTokenizer tokenizer = load("gpt2")) {
            assertNotNull(tokenizer.encode("x"));
        }
        assertEquals("true", System.getProperty("ai.djl.offline"), "tests run with ai.djl.offline=true");
        assertTrue(System.getenv("OPT_OUT_TRACKING") != null || "true".equals(System.getProperty("OPT_OUT_TRACKING")),
                "DJL's telemetry call is opted out of");
        assertNotNull(HfTokenizer.class.getClassLoader().getResource("native/lib/linux-x86_64/cpu/libtokenizers.so"),
                "the native library ships inside the tokenizers jar");
        Path cache = Utils.getEngineCacheDir("tokenizers");
        try (Stream<Path> files = Files.walk(cache)) {
            assertTrue(files.anyMatch(file -> file.getFileName().toString().equals("libtokenizers.so")),
                    "unpacked under " + cache);
        }
    }
}
