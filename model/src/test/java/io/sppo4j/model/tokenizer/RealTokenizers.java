package io.sppo4j.model.tokenizer;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Tokenizer files of released models with their chat templates, and the ids transformers.js
 * gives for them ({@code expected.json}), for tests here and in the modules above (through the
 * test-jar). Qwen3's files are resources; Llama 3's licence keeps them out of the repository, so
 * {@code .ci/fetch-tokenizers} puts them in {@code ~/.cache/sppo4j/tokenizers/llama3} (root moved
 * by {@code SPPO4J_TOKENIZERS}). See {@code real/NOTICE.md} beside the resources.
 */
public enum RealTokenizers {
    QWEN3("qwen3", 151_936, true),
    LLAMA3("llama3", 128_256, false);

    private static final String RESOURCES = "/io/sppo4j/model/tokenizer/real/";
    private static final String[] TOKENIZER_FILES = {ModelFiles.TOKENIZER, ModelFiles.TOKENIZER_CONFIG};

    private final String folder;
    private final int modelVocabSize;
    private final boolean committed;

    RealTokenizers(String folder, int modelVocabSize, boolean committed) {
        this.folder = folder;
        this.modelVocabSize = modelVocabSize;
        this.committed = committed;
    }

    /** The embedding rows of the released models (a multiple of 64 or 128, above the tokenizer's ids). */
    public int modelVocabSize() {
        return modelVocabSize;
    }

    /**
     * Puts this tokenizer's {@code tokenizer.json}, {@code tokenizer_config.json} and
     * {@code generation_config.json} into a model directory. A fetched tokenizer that is not there
     * aborts the calling test (it is skipped, saying why), or fails it under CI, which fetches it.
     */
    public void copyInto(Path directory) throws IOException {
        Files.createDirectories(directory);
        for (String file : TOKENIZER_FILES) {
            if (committed) {
                copyResource(file, directory);
            } else {
                Files.copy(fetchedFile(file), directory.resolve(file), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        copyResource(ModelFiles.GENERATION_CONFIG, directory);
    }

    /** transformers.js's ids for this tokenizer ({@code expected.json}). */
    public Expected expected() {
        JsonObject json = JsonParser.parseString(resourceText("expected.json")).getAsJsonObject();
        List<Case> texts = new ArrayList<>();
        for (JsonElement entry : json.getAsJsonArray("texts")) {
            JsonObject text = entry.getAsJsonObject();
            texts.add(new Case(text.get("text").getAsString(), ints(text.getAsJsonArray("ids"))));
        }
        JsonObject raw = json.getAsJsonObject("raw");
        JsonObject chat = json.getAsJsonObject("chat");
        JsonObject message = chat.getAsJsonArray("messages").get(0).getAsJsonObject();
        return new Expected(
                json.get("bos_token_id").isJsonNull() ? Optional.empty() : Optional.of(json.get("bos_token_id").getAsInt()),
                json.get("eos_token_id").getAsInt(),
                texts,
                new Case(raw.get("prompt").getAsString(), ints(raw.getAsJsonArray("ids"))),
                message.get("content").getAsString(),
                chat.get("rendered").getAsString(),
                ints(chat.getAsJsonArray("ids")));
    }

    /** The stop tokens a model with these files has: EOS and {@code generation_config.json}'s list. */
    public int[] stopTokens() {
        JsonObject generation = JsonParser.parseString(resourceText(ModelFiles.GENERATION_CONFIG)).getAsJsonObject();
        return ints(generation.getAsJsonArray("eos_token_id"));
    }

    @Override
    public String toString() {
        return folder;
    }

    /**
     * @param bos BOS id, when the tokenizer has one
     * @param texts each hard string encoded alone, special tokens added as the post-processor adds them
     * @param raw all the strings in one prompt, encoded the same way
     * @param chatContent the one user message of the chat case
     * @param chatRendered that message through the chat template with add_generation_prompt
     * @param chatIds the rendered text encoded without adding special tokens (transformers' apply_chat_template)
     */
    public record Expected(Optional<Integer> bos, int eos, List<Case> texts, Case raw, String chatContent,
            String chatRendered, int[] chatIds) {}

    /** A text and its ids. */
    public record Case(String text, int[] ids) {}

    private Path fetchedFile(String file) {
        String override = System.getenv("SPPO4J_TOKENIZERS");
        Path root = override != null && !override.isBlank() ? Path.of(override)
                : Path.of(System.getProperty("user.home"), ".cache", "sppo4j", "tokenizers");
        Path path = root.resolve(folder).resolve(file);
        if (!Files.isRegularFile(path)) {
            String why = path + " is missing: run .ci/fetch-tokenizers (the " + folder + " tokenizer's licence keeps it out of the repository)";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                throw new AssertionError(why);
            }
            Assumptions.abort(why);
        }
        return path;
    }

    private void copyResource(String file, Path directory) throws IOException {
        try (InputStream in = open(file)) {
            Files.copy(in, directory.resolve(file), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private String resourceText(String file) {
        try (InputStream in = open(file)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private InputStream open(String file) {
        InputStream in = RealTokenizers.class.getResourceAsStream(RESOURCES + folder + "/" + file);
        if (in == null) {
            throw new IllegalStateException("test resource " + RESOURCES + folder + "/" + file + " is not on the classpath");
        }
        return in;
    }

    private static int[] ints(JsonArray array) {
        int[] ids = new int[array.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = array.get(i).getAsInt();
        }
        return ids;
    }
}
