package io.sppo4j.model.tokenizer;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalInt;

/**
 * Token texts to ids as {@code tokenizer.json} declares them (the model's vocabulary and the added
 * tokens), which DJL's tokenizer does not expose: special tokens are named by text in the config
 * files, and the vocabulary size sizes the embedding.
 */
record TokenVocabulary(Map<String, Integer> ids, int size) {

    static TokenVocabulary read(Path tokenizerJson) throws IOException {
        JsonObject root = ModelFiles.object(tokenizerJson);
        Map<String, Integer> ids = new HashMap<>();
        JsonObject model = root.has("model") && root.get("model").isJsonObject() ? root.getAsJsonObject("model") : null;
        if (model == null || !model.has("vocab")) {
            throw new IllegalArgumentException(tokenizerJson + ": no model.vocab");
        }
        JsonElement vocab = model.get("vocab");
        if (vocab.isJsonObject()) { // BPE, WordPiece, WordLevel: {"token": id}
            for (Map.Entry<String, JsonElement> entry : vocab.getAsJsonObject().entrySet()) {
                ids.put(entry.getKey(), entry.getValue().getAsInt());
            }
        } else if (vocab.isJsonArray()) { // Unigram: [["piece", score], ...], the id is the index
            JsonArray pieces = vocab.getAsJsonArray();
            for (int i = 0; i < pieces.size(); i++) {
                ids.put(pieces.get(i).getAsJsonArray().get(0).getAsString(), i);
            }
        } else {
            throw new IllegalArgumentException(tokenizerJson + ": model.vocab is neither an object nor a list");
        }
        if (root.has("added_tokens") && root.get("added_tokens").isJsonArray()) {
            for (JsonElement added : root.getAsJsonArray("added_tokens")) {
                JsonObject token = added.getAsJsonObject();
                ids.put(token.get("content").getAsString(), token.get("id").getAsInt());
            }
        }
        int size = ids.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
        return new TokenVocabulary(Map.copyOf(ids), size);
    }

    OptionalInt id(String token) {
        Integer id = ids.get(token);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }
}
