package io.sppo4j.model.task.game;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonIOException;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.gson.JsonSyntaxException;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.MalformedJsonException;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The JSON form of a {@link PreferenceGame}:
 * <pre>{@code {"name": "rps", "responses": ["rock", "paper", "scissors"],
 *  "P": [[0.5, 0, 1], [1, 0.5, 0], [0, 1, 0.5]]}}</pre>
 * {@code name} is optional (the file name without {@code .json} otherwise). Every error message
 * starts with the file's path, and a matrix error names the row or cell.
 */
final class PreferenceGameJson {

    private static final Set<String> KEYS = Set.of("name", "responses", "P");

    private PreferenceGameJson() {}

    static PreferenceGame read(Path file) {
        String source = file.toString();
        JsonObject root = parse(file, source);
        for (String key : root.keySet()) {
            if (!KEYS.contains(key)) {
                // A misspelt key would otherwise be ignored and reported as a missing one, or not at all.
                throw new IllegalArgumentException(
                        source + ": unknown key \"" + key + "\", expected \"responses\", \"P\" and optionally \"name\"");
            }
        }
        String name = root.has("name") ? string(root.get("name"), source, "name") : defaultName(file);
        if (name.isBlank()) {
            throw new IllegalArgumentException(source + ": \"name\" is blank");
        }
        List<String> responses = responses(required(root, "responses", source), source);
        double[][] preferences = matrix(required(root, "P", source), source);
        // Validated here too so that the messages start with the file rather than the game's name.
        PreferenceGame.checkedResponses(source, responses);
        PreferenceGame.complementaryCopy(source, responses.size(), preferences);
        return new PreferenceGame(name, responses, preferences);
    }

    /** Pretty-printed JSON that {@link #read} reads back to an equal game (doubles print exactly). */
    static String write(PreferenceGame game) {
        JsonObject root = new JsonObject();
        root.addProperty("name", game.name());
        JsonArray responses = new JsonArray();
        game.responses().forEach(responses::add);
        root.add("responses", responses);
        JsonArray rows = new JsonArray();
        for (double[] row : game.preferences()) {
            JsonArray cells = new JsonArray();
            for (double p : row) {
                cells.add(p);
            }
            rows.add(cells);
        }
        root.add("P", rows);
        return new GsonBuilder().setPrettyPrinting().create().toJson(root);
    }

    private static JsonObject parse(Path file, String source) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new UncheckedIOException(source + ": no such file", e);
        } catch (IOException e) {
            throw new UncheckedIOException(source + ": cannot read: " + e.getMessage(), e);
        }
        if (text.isBlank()) {
            // Gson reads an empty document as null, which would be reported as such.
            throw new IllegalArgumentException(source + ": the file is empty");
        }
        try (JsonReader json = new JsonReader(new StringReader(text))) {
            // Gson is lenient by default: unquoted strings, comments and trailing garbage would pass.
            json.setStrictness(Strictness.STRICT);
            JsonElement root = JsonParser.parseReader(json);
            if (!root.isJsonObject()) {
                throw new IllegalArgumentException(source + ": expected a JSON object, got " + describe(root));
            }
            if (!atEnd(json)) {
                throw new IllegalArgumentException(source + ": unexpected content after the JSON object" + where(json));
            }
            return root.getAsJsonObject();
        } catch (JsonSyntaxException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new IllegalArgumentException(source + ": malformed JSON: " + gsonMessage(cause.getMessage()), e);
        } catch (JsonIOException | IOException e) {
            // Reading a string cannot fail; closing it neither.
            throw new IllegalStateException(source + ": " + e.getMessage(), e);
        }
    }

    private static boolean atEnd(JsonReader json) throws IOException {
        try {
            return json.peek() == JsonToken.END_DOCUMENT;
        } catch (MalformedJsonException e) {
            // A strict reader refuses a second top-level value outright.
            return false;
        }
    }

    private static JsonElement required(JsonObject root, String key, String source) {
        JsonElement value = root.get(key);
        if (value == null) {
            throw new IllegalArgumentException(source + ": missing key \"" + key + "\"");
        }
        return value;
    }

    private static List<String> responses(JsonElement value, String source) {
        if (!value.isJsonArray()) {
            throw new IllegalArgumentException(source + ": \"responses\" must be an array of strings, got " + describe(value));
        }
        List<String> responses = new ArrayList<>();
        JsonArray array = value.getAsJsonArray();
        for (int i = 0; i < array.size(); i++) {
            responses.add(string(array.get(i), source, "responses[" + i + "]"));
        }
        return responses;
    }

    private static double[][] matrix(JsonElement value, String source) {
        if (!value.isJsonArray()) {
            throw new IllegalArgumentException(source + ": \"P\" must be an array of rows, got " + describe(value));
        }
        JsonArray rows = value.getAsJsonArray();
        double[][] p = new double[rows.size()][];
        for (int i = 0; i < rows.size(); i++) {
            JsonElement row = rows.get(i);
            if (!row.isJsonArray()) {
                throw new IllegalArgumentException(source + ": P[" + i + "] must be an array of numbers, got " + describe(row));
            }
            JsonArray cells = row.getAsJsonArray();
            p[i] = new double[cells.size()];
            for (int j = 0; j < cells.size(); j++) {
                JsonElement cell = cells.get(j);
                if (!(cell instanceof JsonPrimitive primitive && primitive.isNumber())) {
                    throw new IllegalArgumentException(
                            source + ": P[" + i + "][" + j + "] must be a number, got " + describe(cell));
                }
                p[i][j] = primitive.getAsDouble();
            }
        }
        return p;
    }

    private static String string(JsonElement value, String source, String what) {
        if (!(value instanceof JsonPrimitive primitive && primitive.isString())) {
            throw new IllegalArgumentException(source + ": " + what + " must be a string, got " + describe(value));
        }
        return primitive.getAsString();
    }

    private static String defaultName(Path file) {
        String fileName = file.getFileName().toString();
        return fileName.endsWith(".json") ? fileName.substring(0, fileName.length() - ".json".length()) : fileName;
    }

    private static String describe(JsonElement value) {
        return value.isJsonNull() ? "null" : value.isJsonArray() ? "an array" : value.isJsonObject() ? "an object"
                : value.toString();
    }

    private static String where(JsonReader json) {
        // JsonReader.toString() reads "JsonReader at line L column C path $".
        String position = json.toString();
        int at = position.indexOf(" at line ");
        return at < 0 ? "" : position.substring(at);
    }

    /**
     * Gson's message without the troubleshooting link it appends on a second line, and without
     * its advice to make the reader lenient, which is addressed to programmers, not to the file's
     * author.
     */
    private static String gsonMessage(String message) {
        if (message == null) {
            return "";
        }
        int newline = message.indexOf('\n');
        String first = newline < 0 ? message : message.substring(0, newline);
        String advice = "Use JsonReader.setStrictness(Strictness.LENIENT) to accept malformed JSON";
        return first.startsWith(advice) ? "not strict JSON" + first.substring(advice.length()) : first;
    }
}
