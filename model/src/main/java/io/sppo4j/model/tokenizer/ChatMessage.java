package io.sppo4j.model.tokenizer;

import java.util.Map;

/**
 * One turn of a conversation, as chat templates and JSONL {@code messages} lists spell it.
 *
 * @param role {@code system}, {@code user}, {@code assistant} or any role the template knows
 * @param content the turn's text
 */
public record ChatMessage(String role, String content) {

    public ChatMessage {
        if (role == null || role.isBlank()) {
            throw new IllegalArgumentException("a chat message needs a role");
        }
        if (content == null) {
            throw new IllegalArgumentException("a chat message needs a content");
        }
    }

    public static ChatMessage user(String content) {
        return new ChatMessage("user", content);
    }

    /** The {@code {"role": ..., "content": ...}} mapping templates index into. */
    Map<String, Object> asTemplateValue() {
        return Map.of("role", role, "content", content);
    }
}
