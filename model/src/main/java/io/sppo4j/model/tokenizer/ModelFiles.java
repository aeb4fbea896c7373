package io.sppo4j.model.tokenizer;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Reads the JSON files of a Hugging Face model directory, naming the file in every error. */
final class ModelFiles {

    static final String TOKENIZER = "tokenizer.json";
    static final String TOKENIZER_CONFIG = "tokenizer_config.json";
    static final String GENERATION_CONFIG = "generation_config.json";
    static final String SPECIAL_TOKENS_MAP = "special_tokens_map.json";

    private ModelFiles() {}

    /** The file's top-level object, or empty when the directory has no such file. */
    static Optional<JsonObject> optionalObject(Path directory, String name) throws IOException {
        Path file = directory.resolve(name);
        return Files.isRegularFile(file) ? Optional.of(object(file)) : Optional.empty();
    }

    static JsonObject object(Path file) throws IOException {
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            JsonElement root = JsonParser.parseReader(reader);
            if (!root.isJsonObject()) {
                throw new IllegalArgumentException(file + ": expected a JSON object at the top level");
            }
            return root.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new IllegalArgumentException(file + ": invalid JSON: " + e.getMessage(), e);
        }
    }

    /**
     * A special token's text: transformers writes it either as a plain string or as an
     * AddedToken object {@code {"content": ...}}; {@code null} means the model has none.
     */
    static Optional<String> tokenText(JsonObject config, String key, Path file) {
        JsonElement value = config.get(key);
        if (value == null || value.isJsonNull()) {
            return Optional.empty();
        }
        if (value.isJsonPrimitive() && value.getAsJsonPrimitive().isString()) {
            return Optional.of(value.getAsString());
        }
        JsonElement content = value.isJsonObject() ? value.getAsJsonObject().get("content") : null;
        if (content != null && content.isJsonPrimitive() && content.getAsJsonPrimitive().isString()) {
            return Optional.of(content.getAsString());
        }
        throw new IllegalArgumentException(
                file + ": '" + key + "' must be a string or an object with a string \"content\", got " + value);
    }
}
