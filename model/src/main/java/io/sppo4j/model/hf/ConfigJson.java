package io.sppo4j.model.hf;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One JSON object of a Hugging Face model directory ({@code config.json}, or a nested object such
 * as {@code rope_scaling}) with typed reads that name the file and the key when a value is
 * missing or of the wrong type.
 */
final class ConfigJson {

    private final JsonObject object;
    private final Path file;
    private final String prefix;

    private ConfigJson(JsonObject object, Path file, String prefix) {
        this.object = object;
        this.file = file;
        this.prefix = prefix;
    }

    static ConfigJson parse(byte[] bytes, Path file) {
        try {
            JsonElement root = JsonParser.parseString(new String(bytes, StandardCharsets.UTF_8));
            if (!root.isJsonObject()) {
                throw new IllegalArgumentException(file + ": expected a JSON object");
            }
            return new ConfigJson(root.getAsJsonObject(), file, "");
        } catch (JsonParseException e) {
            throw new IllegalArgumentException(file + ": not valid JSON: " + e.getMessage(), e);
        }
    }

    static ConfigJson read(Path file) throws IOException {
        try {
            return parse(Files.readAllBytes(file), file);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null, "missing from the model directory");
        }
    }

    Path file() {
        return file;
    }

    boolean has(String key) {
        return object.has(key) && !object.get(key).isJsonNull();
    }

    int requiredInt(String key) {
        return value(key).map(this::asInt).orElseThrow(() -> missing(key));
    }

    int optionalInt(String key, int fallback) {
        return value(key).map(this::asInt).orElse(fallback);
    }

    /** A required integer that must be positive (a width, a count). */
    int requiredPositive(String key) {
        return positive(key, requiredInt(key));
    }

    /** An optional integer that must be positive when present. */
    int optionalPositive(String key, int fallback) {
        return positive(key, optionalInt(key, fallback));
    }

    private int positive(String key, int value) {
        if (value <= 0) {
            throw invalid(key, "must be positive, got " + value);
        }
        return value;
    }

    double requiredDouble(String key) {
        return value(key).map(this::asDouble).orElseThrow(() -> missing(key));
    }

    double optionalDouble(String key, double fallback) {
        return value(key).map(this::asDouble).orElse(fallback);
    }

    boolean optionalBoolean(String key, boolean fallback) {
        return value(key).map(entry -> {
            if (!entry.value().isJsonPrimitive() || !entry.value().getAsJsonPrimitive().isBoolean()) {
                throw wrong(entry, "true or false");
            }
            return entry.value().getAsBoolean();
        }).orElse(fallback);
    }

    String optionalString(String key, String fallback) {
        return value(key).map(this::asString).orElse(fallback);
    }

    String requiredString(String key) {
        return value(key).map(this::asString).orElseThrow(() -> missing(key));
    }

    /** The first element of an array of strings ({@code architectures}). */
    String firstString(String key) {
        Entry entry = value(key).orElseThrow(() -> missing(key));
        if (!entry.value().isJsonArray() || entry.value().getAsJsonArray().isEmpty()) {
            throw wrong(entry, "a non-empty array of strings");
        }
        return asString(new Entry(key + "[0]", entry.value().getAsJsonArray().get(0)));
    }

    /** An integer or an array of integers ({@code eos_token_id}); empty when absent. */
    List<Integer> intOrInts(String key) {
        Optional<Entry> entry = value(key);
        if (entry.isEmpty()) {
            return List.of();
        }
        if (!entry.get().value().isJsonArray()) {
            return List.of(asInt(entry.get()));
        }
        List<Integer> values = new ArrayList<>();
        for (JsonElement element : entry.get().value().getAsJsonArray()) {
            values.add(asInt(new Entry(key + "[" + values.size() + "]", element)));
        }
        return List.copyOf(values);
    }

    /** An array of strings; empty when absent. */
    List<String> strings(String key) {
        Optional<Entry> entry = value(key);
        if (entry.isEmpty()) {
            return List.of();
        }
        if (!entry.get().value().isJsonArray()) {
            throw wrong(entry.get(), "an array of strings");
        }
        List<String> values = new ArrayList<>();
        for (JsonElement element : entry.get().value().getAsJsonArray()) {
            values.add(asString(new Entry(key + "[" + values.size() + "]", element)));
        }
        return List.copyOf(values);
    }

    /** Whether the value is absent, null, false, or an empty array or object: a feature left off. */
    boolean isUnset(String key) {
        if (!has(key)) {
            return true;
        }
        JsonElement value = object.get(key);
        if (value.isJsonArray()) {
            return value.getAsJsonArray().isEmpty();
        }
        if (value.isJsonObject()) {
            return value.getAsJsonObject().size() == 0;
        }
        return value.isJsonPrimitive() && value.getAsJsonPrimitive().isBoolean() && !value.getAsBoolean();
    }

    /** A nested object, or null when the key is absent or null. */
    ConfigJson optionalObject(String key) {
        return value(key).map(entry -> {
            if (!entry.value().isJsonObject()) {
                throw wrong(entry, "an object");
            }
            return new ConfigJson(entry.value().getAsJsonObject(), file, prefix + key + ".");
        }).orElse(null);
    }

    /** Names of the members, in file order. */
    List<String> keys() {
        return List.copyOf(object.keySet());
    }

    /** Number of members of a nested object ({@code id2label}), or -1 when absent. */
    int objectSize(String key) {
        ConfigJson nested = optionalObject(key);
        return nested == null ? -1 : nested.object.size();
    }

    IllegalArgumentException invalid(String key, String problem) {
        return new IllegalArgumentException(file + ": " + prefix + key + ": " + problem);
    }

    private record Entry(String key, JsonElement value) {}

    private Optional<Entry> value(String key) {
        return has(key) ? Optional.of(new Entry(key, object.get(key))) : Optional.empty();
    }

    private int asInt(Entry entry) {
        double value = asDouble(entry);
        if (value != Math.rint(value) || Math.abs(value) > Integer.MAX_VALUE) {
            throw wrong(entry, "an integer");
        }
        return (int) value;
    }

    private double asDouble(Entry entry) {
        if (!entry.value().isJsonPrimitive() || !entry.value().getAsJsonPrimitive().isNumber()) {
            throw wrong(entry, "a number");
        }
        return entry.value().getAsDouble();
    }

    private String asString(Entry entry) {
        if (!entry.value().isJsonPrimitive() || !entry.value().getAsJsonPrimitive().isString()) {
            throw wrong(entry, "a string");
        }
        return entry.value().getAsString();
    }

    private IllegalArgumentException missing(String key) {
        return invalid(key, "missing");
    }

    private IllegalArgumentException wrong(Entry entry, String expected) {
        return invalid(entry.key(), "expected " + expected + ", got " + entry.value());
    }
}
