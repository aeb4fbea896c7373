package io.sppo4j.model.judge.http;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads {@code P(A)}, the judge's probability that response A is the better one, from a
 * chat-completions response body.
 *
 * <p>With log-probabilities: at the first answer token that holds a letter or digit (skipping
 * whitespace and markup such as {@code **}), the probability mass of the alternatives that read
 * {@code A} against those that read {@code B}, after trimming punctuation and case:
 * {@code P(A) = Σ_A e^lp / (Σ_A e^lp + Σ_B e^lp)}. This keeps the judge's uncertainty, which a
 * bare letter throws away. Without them, or when neither letter is among the alternatives, the
 * answer text decides: A → 1, B → 0.
 */
final class AnswerProbability {

    /** An answer such as {@code A}, {@code (B)}, {@code **A**}, {@code Response B}, {@code The better response is: A}. */
    private static final Pattern LEADING_VERDICT = Pattern.compile(
            "^[^A-Za-z0-9]*(?i:(?:the\\s+)?(?:better\\s+)?(?:response|answer|output|option)(?:\\s+is)?\\s*[:\\-]?\\s*)?"
                    + "[^A-Za-z0-9]*([AB])(?![A-Za-z0-9])");

    private AnswerProbability() {}

    static double fromBody(String body) throws MalformedAnswerException {
        JsonObject choice = firstChoice(body);
        Double fromLogprobs = fromLogprobs(choice.get("logprobs"));
        if (fromLogprobs != null) {
            return fromLogprobs;
        }
        return fromText(content(choice));
    }

    private static JsonObject firstChoice(String body) throws MalformedAnswerException {
        JsonElement root;
        try {
            root = JsonParser.parseString(body);
        } catch (JsonParseException e) {
            throw new MalformedAnswerException("the body is not JSON: " + e.getMessage(), false);
        }
        if (!root.isJsonObject() || !root.getAsJsonObject().has("choices")
                || !root.getAsJsonObject().get("choices").isJsonArray()
                || root.getAsJsonObject().getAsJsonArray("choices").isEmpty()
                || !root.getAsJsonObject().getAsJsonArray("choices").get(0).isJsonObject()) {
            throw new MalformedAnswerException("the body has no choices[0] object", false);
        }
        return root.getAsJsonObject().getAsJsonArray("choices").get(0).getAsJsonObject();
    }

    private static String content(JsonObject choice) throws MalformedAnswerException {
        JsonElement message = choice.get("message");
        if (message == null || !message.isJsonObject()) {
            throw new MalformedAnswerException("choices[0] has no message", false);
        }
        JsonElement content = message.getAsJsonObject().get("content");
        if (content == null || !content.isJsonPrimitive()) {
            throw new MalformedAnswerException("choices[0].message has no content", false);
        }
        return content.getAsString();
    }

    /** P(A) from the first answer token's alternatives; null when they say nothing about A or B. */
    private static Double fromLogprobs(JsonElement logprobs) throws MalformedAnswerException {
        if (logprobs == null || !logprobs.isJsonObject()) {
            return null;
        }
        JsonElement content = logprobs.getAsJsonObject().get("content");
        if (content == null || !content.isJsonArray()) {
            return null;
        }
        for (JsonElement element : content.getAsJsonArray()) {
            if (!element.isJsonObject()) {
                throw new MalformedAnswerException("logprobs.content holds a non-object", false);
            }
            JsonObject position = element.getAsJsonObject();
            if (!hasLetterOrDigit(string(position, "token"))) {
                continue;
            }
            JsonElement top = position.get("top_logprobs");
            JsonArray alternatives = new JsonArray();
            if (top != null && top.isJsonArray() && !top.getAsJsonArray().isEmpty()) {
                alternatives = top.getAsJsonArray();
            } else {
                alternatives.add(position);
            }
            double massA = 0;
            double massB = 0;
            for (JsonElement alternative : alternatives) {
                if (!alternative.isJsonObject()) {
                    throw new MalformedAnswerException("top_logprobs holds a non-object", false);
                }
                String letter = normalise(string(alternative.getAsJsonObject(), "token"));
                double logprob = number(alternative.getAsJsonObject(), "logprob");
                if (!(logprob <= 0)) {
                    // exp of a "log-probability" above 0 is no probability, and of a large one is infinite.
                    throw new MalformedAnswerException("a logprobs entry has logprob " + logprob
                            + ", not a log-probability (at most 0)", false);
                }
                double probability = Math.exp(logprob);
                if (letter.equals("A")) {
                    massA += probability;
                } else if (letter.equals("B")) {
                    massB += probability;
                }
            }
            // The first answer token decides; if it is neither letter (say "Response"), the text does.
            return massA + massB > 0 ? massA / (massA + massB) : null;
        }
        return null;
    }

    static double fromText(String answer) throws MalformedAnswerException {
        String bare = normalise(answer);
        if (bare.equals("A")) {
            return 1.0;
        }
        if (bare.equals("B")) {
            return 0.0;
        }
        Matcher matcher = LEADING_VERDICT.matcher(answer);
        if (matcher.find()) {
            return matcher.group(1).equals("A") ? 1.0 : 0.0;
        }
        String shown = answer.length() > 80 ? answer.substring(0, 80) + "…" : answer;
        throw new MalformedAnswerException("the answer names neither A nor B: '" + shown + "'", true);
    }

    /** The token without surrounding whitespace and punctuation, upper-cased: " a", "A.", "**A" read A. */
    private static String normalise(String token) {
        int start = 0;
        int end = token.length();
        while (start < end && !Character.isLetterOrDigit(token.charAt(start))) {
            start++;
        }
        while (end > start && !Character.isLetterOrDigit(token.charAt(end - 1))) {
            end--;
        }
        return token.substring(start, end).toUpperCase(Locale.ROOT);
    }

    private static boolean hasLetterOrDigit(String token) {
        return token.chars().anyMatch(Character::isLetterOrDigit);
    }

    private static String string(JsonObject object, String key) throws MalformedAnswerException {
        JsonElement value = object.get(key);
        if (value == null || !value.isJsonPrimitive()) {
            throw new MalformedAnswerException("a logprobs entry has no '" + key + "' string", false);
        }
        return value.getAsString();
    }

    private static double number(JsonObject object, String key) throws MalformedAnswerException {
        JsonElement value = object.get(key);
        if (value == null || !value.isJsonPrimitive() || !value.getAsJsonPrimitive().isNumber()) {
            throw new MalformedAnswerException("a logprobs entry has no numeric '" + key + "'", false);
        }
        return value.getAsDouble();
    }
}
