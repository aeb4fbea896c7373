package io.sppo4j.model.text;

import io.sppo4j.model.tokenizer.ChatMessage;
import io.sppo4j.model.tokenizer.ChatTemplate;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Reads a prompt file into {@link PromptEntry}s. Blank lines are ignored; a bad line fails with
 * the file and line number, or, when bad lines are skipped, is counted and logged.
 *
 * <p>A JSONL line holds {@code "prompt"} (a non-blank string) or {@code "messages"} (a non-empty
 * list of {@code {"role": string, "content": string}}), and optionally {@code "response"} (a
 * string). Chat lines are rendered through the chat template; without one their contents are
 * joined with newlines and used as raw text. Other keys are ignored.
 */
final class PromptFileReader {

    private static final Logger log = LoggerFactory.getLogger(PromptFileReader.class);

    /** The usable lines and how many bad lines were skipped. */
    record Result(List<PromptEntry> entries, int skippedLines) {}

    private final Optional<ChatTemplate> chatTemplate;
    private final boolean skipBadLines;

    PromptFileReader(Optional<ChatTemplate> chatTemplate, boolean skipBadLines) {
        this.chatTemplate = chatTemplate;
        this.skipBadLines = skipBadLines;
    }

    Result read(Path file, PromptFormat format) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("prompt file not found: " + file);
        }
        PromptFormat resolved = format.resolve(file);
        List<PromptEntry> entries = new ArrayList<>();
        int skipped = 0;
        try (Utf8Lines lines = new Utf8Lines(file)) {
            int line = 0;
            while (true) {
                line++;
                try {
                    String text = lines.next();
                    if (text == null) {
                        break;
                    }
                    if (text.isBlank()) {
                        continue;
                    }
                    entries.add(resolved == PromptFormat.JSONL ? jsonLine(text, line)
                            : new PromptEntry(text, Optional.empty(), line));
                } catch (BadLine | Utf8Lines.NotUtf8 e) {
                    String message = file + ":" + line + ": " + e.getMessage();
                    if (!skipBadLines) {
                        throw new IllegalArgumentException(message);
                    }
                    skipped++;
                    log.warn("skipping bad prompt line {}", message);
                }
            }
        }
        if (skipped > 0) {
            log.warn("{}: skipped {} bad line(s), kept {}", file, skipped, entries.size());
        }
        return new Result(List.copyOf(entries), skipped);
    }

    private PromptEntry jsonLine(String text, int line) {
        JsonElement parsed;
        try {
            parsed = JsonParser.parseString(text);
        } catch (JsonParseException e) {
            throw new BadLine("invalid JSON: " + rootMessage(e));
        }
        if (!parsed.isJsonObject()) {
            throw new BadLine("expected a JSON object, got " + abbreviated(text));
        }
        JsonObject object = parsed.getAsJsonObject();
        boolean hasPrompt = object.has("prompt");
        boolean hasMessages = object.has("messages");
        if (hasPrompt == hasMessages) {
            throw new BadLine(hasPrompt ? "has both \"prompt\" and \"messages\"; give one"
                    : "has neither \"prompt\" nor \"messages\"");
        }
        Optional<String> response = object.has("response")
                ? Optional.of(string(object.get("response"), "\"response\"")) : Optional.empty();
        String prompt = hasPrompt ? nonBlank(string(object.get("prompt"), "\"prompt\""), "\"prompt\"")
                : chat(messages(object.get("messages")));
        return new PromptEntry(prompt, response, line);
    }

    private static List<ChatMessage> messages(JsonElement value) {
        if (!value.isJsonArray() || value.getAsJsonArray().isEmpty()) {
            throw new BadLine("\"messages\" must be a non-empty list of {\"role\", \"content\"}");
        }
        JsonArray array = value.getAsJsonArray();
        List<ChatMessage> messages = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            JsonElement message = array.get(i);
            String where = "\"messages\"[" + i + "]";
            if (!message.isJsonObject()) {
                throw new BadLine(where + " must be an object {\"role\", \"content\"}");
            }
            JsonObject fields = message.getAsJsonObject();
            if (!fields.has("role") || !fields.has("content")) {
                throw new BadLine(where + " needs \"role\" and \"content\"");
            }
            messages.add(new ChatMessage(nonBlank(string(fields.get("role"), where + ".role"), where + ".role"),
                    string(fields.get("content"), where + ".content")));
        }
        return messages;
    }

    private String chat(List<ChatMessage> messages) {
        if (chatTemplate.isPresent()) {
            try {
                return chatTemplate.get().render(messages);
            } catch (IllegalArgumentException e) {
                throw new BadLine(e.getMessage());
            }
        }
        return nonBlank(messages.stream().map(ChatMessage::content).collect(Collectors.joining("\n")), "\"messages\"");
    }

    private static String string(JsonElement value, String what) {
        if (value == null || !value.isJsonPrimitive() || !value.getAsJsonPrimitive().isString()) {
            throw new BadLine(what + " must be a string, got " + value);
        }
        return value.getAsString();
    }

    private static String nonBlank(String value, String what) {
        if (value.isBlank()) {
            throw new BadLine(what + " is empty");
        }
        return value;
    }

    private static String rootMessage(Throwable error) {
        Throwable root = error;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root.getMessage();
    }

    private static String abbreviated(String text) {
        return text.length() <= 40 ? text : text.substring(0, 40) + "…";
    }

    /** What is wrong with one line; the reader adds the file and line number. */
    private static final class BadLine extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BadLine(String message) {
            super(message, null, false, false);
        }
    }
}
