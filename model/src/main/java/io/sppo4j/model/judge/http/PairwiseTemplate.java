package io.sppo4j.model.judge.http;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The comparison prompt sent to the LLM judge, with the placeholders {@code {prompt}},
 * {@code {response_a}} and {@code {response_b}}. Rendering replaces them in one pass over the
 * template, so a response that itself contains {@code {response_b}} is sent verbatim instead of
 * having the other response spliced into it.
 */
public record PairwiseTemplate(String text) {

    public static final String PROMPT = "{prompt}";
    public static final String RESPONSE_A = "{response_a}";
    public static final String RESPONSE_B = "{response_b}";

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{(prompt|response_a|response_b)}");

    public PairwiseTemplate {
        String missing = missingPlaceholders(text);
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("template lacks the placeholders " + missing);
        }
    }

    /** The placeholders {@code template} lacks, e.g. {@code [{response_b}]}; empty when it has all. */
    public static String missingPlaceholders(String template) {
        List<String> missing = new ArrayList<>();
        for (String placeholder : List.of(PROMPT, RESPONSE_A, RESPONSE_B)) {
            if (!template.contains(placeholder)) {
                missing.add(placeholder);
            }
        }
        return missing.isEmpty() ? "" : missing.toString();
    }

    /** The prompt asking whether {@code responseA} or {@code responseB} answers {@code prompt} better. */
    public String render(String prompt, String responseA, String responseB) {
        Matcher matcher = PLACEHOLDER.matcher(text);
        StringBuilder rendered = new StringBuilder(text.length() + prompt.length() + responseA.length() + responseB.length());
        int last = 0;
        while (matcher.find()) {
            rendered.append(text, last, matcher.start());
            rendered.append(switch (matcher.group(1)) {
                case "prompt" -> prompt;
                case "response_a" -> responseA;
                default -> responseB;
            });
            last = matcher.end();
        }
        return rendered.append(text, last, text.length()).toString();
    }
}
