package io.sppo4j.model.text;

import java.nio.file.Path;
import java.util.Locale;

/** How a prompt file is laid out. */
public enum PromptFormat {
    /** One JSON object a line: {@code {"prompt": "..."}} or {@code {"messages": [{"role", "content"}, ...]}}. */
    JSONL,
    /** One prompt a line, as written. */
    TEXT,
    /** {@link #JSONL} for {@code .jsonl} and {@code .json} files, {@link #TEXT} for anything else. */
    AUTO;

    /** Parses {@code auto}, {@code jsonl} or {@code text}. */
    public static PromptFormat parse(String value) {
        try {
            return valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("format must be auto, jsonl or text, got '" + value + "'", e);
        }
    }

    /** This format with {@link #AUTO} decided by the file's extension. */
    public PromptFormat resolve(Path file) {
        if (this != AUTO) {
            return this;
        }
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".jsonl") || name.endsWith(".json") ? JSONL : TEXT;
    }
}
