package io.sppo4j.model.text;

import java.util.Optional;

/**
 * One usable line of a prompt file.
 *
 * @param prompt the prompt as the policy sees it (a chat line already rendered through the
 *     model's chat template)
 * @param response the line's {@code response}, when it has one: a demonstration for SFT
 * @param line 1-based line number in the file, for messages
 */
public record PromptEntry(String prompt, Optional<String> response, int line) {}
