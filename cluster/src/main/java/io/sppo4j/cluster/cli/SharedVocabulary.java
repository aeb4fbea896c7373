package io.sppo4j.cluster.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * Whether two model directories tokenize alike: the same {@code model.vocab} and the same added
 * tokens at the same ids in their {@code tokenizer.json}. Merges and normalisers are not compared;
 * two files that agree on every token and id are the same vocabulary for an evaluation.
 */
final class SharedVocabulary {

    private SharedVocabulary() {}

    static void require(String option, Path directory, String otherOption, Path other) {
        Vocabulary first = read(option, directory);
        Vocabulary second = read(otherOption, other);
        if (!first.tokens().equals(second.tokens())) {
            throw new IllegalArgumentException(option + " " + directory + " and " + otherOption + " " + other
                    + " have different tokenizer vocabularies (model.vocab of tokenizer.json differs);"
                    + " compare policies that share a tokenizer");
        }
        if (!first.added().equals(second.added())) {
            throw new IllegalArgumentException(option + " " + directory + " and " + otherOption + " " + other
                    + " have different added tokens " + first.added() + " vs " + second.added()
                    + "; compare policies that share a tokenizer");
        }
    }

    private record Vocabulary(JsonElement tokens, Map<Integer, String> added) {}

    private static Vocabulary read(String option, Path directory) {
        Path file = directory.resolve("tokenizer.json");
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            JsonObject root = JsonParser.parseReader(reader).getAsJsonObject();
            JsonElement model = root.get("model");
            if (model == null || !model.isJsonObject() || !model.getAsJsonObject().has("vocab")) {
                throw new IllegalArgumentException(option + ": " + file + " has no model.vocab");
            }
            Map<Integer, String> added = new TreeMap<>();
            if (root.has("added_tokens") && root.get("added_tokens").isJsonArray()) {
                for (JsonElement token : root.getAsJsonArray("added_tokens")) {
                    JsonObject fields = token.getAsJsonObject();
                    added.put(fields.get("id").getAsInt(), fields.get("content").getAsString());
                }
            }
            return new Vocabulary(model.getAsJsonObject().get("vocab"), added);
        } catch (IOException e) {
            throw new UncheckedIOException(option + ": cannot read " + file + ": " + e.getMessage(), e);
        } catch (IllegalStateException e) {
            throw new IllegalArgumentException(option + ": " + file + " is not a tokenizer.json: " + e.getMessage(), e);
        }
    }
}
