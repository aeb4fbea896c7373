package io.sppo4j.model.judge.http;

import com.typesafe.config.Config;
import io.sppo4j.model.config.ConfigReader;

import java.net.URI;
import java.time.Duration;
import java.util.Locale;

/**
 * How the LLM judge talks to an OpenAI-compatible chat-completions API ({@code sppo4j.judge.http}).
 * The API key itself is not here, only the name of the environment variable that holds it, so
 * the settings can be printed and logged.
 *
 * @param baseUrl requests go to {@code {baseUrl}/chat/completions}
 * @param model sent as {@code model}; empty omits the field
 * @param apiKeyEnv environment variable holding the API key; empty or unset sends no Authorization header
 * @param temperature sampling temperature of the judge
 * @param maxTokens most tokens of an answer
 * @param logprobs ask for the answer token's log-probabilities
 * @param topLogprobs alternatives returned per answer token
 * @param systemPrompt system message; empty sends none
 * @param template the comparison prompt with {@link PairwiseTemplate}'s placeholders
 * @param unparsable what an answer that is neither A nor B counts as
 * @param maxConcurrency requests in flight at once
 * @param requestTimeout limit on one request, sending to whole answer
 * @param connectTimeout limit on opening a connection
 * @param maxAttempts attempts per comparison
 * @param initialBackoff delay before the first retry
 * @param maxBackoff longest delay between attempts
 * @param cacheSize comparisons remembered; 0 disables the cache
 */
public record HttpJudgeSettings(
        URI baseUrl,
        String model,
        String apiKeyEnv,
        double temperature,
        int maxTokens,
        boolean logprobs,
        int topLogprobs,
        String systemPrompt,
        PairwiseTemplate template,
        Unparsable unparsable,
        int maxConcurrency,
        Duration requestTimeout,
        Duration connectTimeout,
        int maxAttempts,
        Duration initialBackoff,
        Duration maxBackoff,
        int cacheSize) {

    /** Section of the configuration these settings are read from. */
    public static final String SECTION = "sppo4j.judge.http";

    /** What an answer that names neither A nor B counts as. */
    public enum Unparsable {
        /** A failed attempt: retried, and the group fails once the attempts run out. */
        RETRY,
        /** A tie, P(A) = 1/2. */
        TIE
    }

    public HttpJudgeSettings {
        String scheme = baseUrl.getScheme();
        if (!"http".equals(scheme) && !"https".equals(scheme)) {
            throw new IllegalArgumentException("base-url must be an http:// or https:// URL, got '" + baseUrl + "'");
        }
        if (!(temperature >= 0)) {
            throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
        }
        if (maxTokens <= 0 || topLogprobs <= 0 || maxConcurrency <= 0 || maxAttempts <= 0 || cacheSize < 0) {
            throw new IllegalArgumentException("max-tokens, top-logprobs, max-concurrency and max-attempts must be"
                    + " positive and cache-size >= 0");
        }
        if (!isPositive(requestTimeout) || !isPositive(connectTimeout)) {
            throw new IllegalArgumentException("request-timeout and connect-timeout must be positive");
        }
        if (initialBackoff.isNegative() || maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException("back-offs must satisfy 0 <= initial-backoff <= max-backoff");
        }
    }

    /** The endpoint every request goes to. */
    public URI endpoint() {
        String base = baseUrl.toString();
        return URI.create((base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + "/chat/completions");
    }

    /** {@code base-url} without any user:password part, for messages. */
    public String printableBaseUrl() {
        if (baseUrl.getRawUserInfo() == null) {
            return baseUrl.toString();
        }
        return baseUrl.toString().replace(baseUrl.getRawUserInfo() + "@", "");
    }

    /** Reads {@code sppo4j.judge.http}; a wrong value fails naming its key. */
    public static HttpJudgeSettings from(Config config) {
        ConfigReader http = new ConfigReader(config, SECTION);
        String base = http.getString("base-url").trim();
        URI baseUrl = parseUrl(base);
        http.check(baseUrl != null && ("http".equals(baseUrl.getScheme()) || "https".equals(baseUrl.getScheme()))
                        && baseUrl.getHost() != null,
                "base-url", "must be an http:// or https:// URL, e.g. http://127.0.0.1:8000/v1, got '" + base + "'");
        double temperature = http.getDouble("temperature");
        http.check(temperature >= 0, "temperature", "must be >= 0, got " + temperature);
        String template = http.getString("template");
        String missing = PairwiseTemplate.missingPlaceholders(template);
        http.check(missing.isEmpty(), "template", "lacks the placeholders " + missing);
        String unparsable = http.getString("unparsable").trim().toLowerCase(Locale.ROOT);
        http.check(unparsable.equals("retry") || unparsable.equals("tie"), "unparsable",
                "must be retry or tie, got '" + unparsable + "'");
        Duration initialBackoff = duration(config, http, "initial-backoff", false);
        Duration maxBackoff = duration(config, http, "max-backoff", false);
        http.check(maxBackoff.compareTo(initialBackoff) >= 0, "max-backoff",
                "must be at least initial-backoff (" + initialBackoff + "), got " + maxBackoff);
        return http.build(() -> new HttpJudgeSettings(
                baseUrl, http.getString("model").trim(), http.getString("api-key-env").trim(), temperature,
                http.positiveInt("max-tokens"), http.getBoolean("logprobs"), positiveAtMost(http, "top-logprobs", 20),
                http.getString("system-prompt"), new PairwiseTemplate(template),
                Unparsable.valueOf(unparsable.toUpperCase(Locale.ROOT)), http.positiveInt("max-concurrency"),
                duration(config, http, "request-timeout", true), duration(config, http, "connect-timeout", true),
                http.positiveInt("max-attempts"), initialBackoff, maxBackoff, http.nonNegativeInt("cache-size")));
    }

    private static URI parseUrl(String text) {
        try {
            return URI.create(text);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static boolean isPositive(Duration duration) {
        return !duration.isNegative() && !duration.isZero();
    }

    private static int positiveAtMost(ConfigReader reader, String key, int max) {
        int value = reader.positiveInt(key);
        reader.check(value <= max, key, "must be at most " + max + ", got " + value);
        return value;
    }

    private static Duration duration(Config config, ConfigReader reader, String key, boolean positive) {
        Duration value = config.getDuration(reader.path(key));
        reader.check(positive ? isPositive(value) : !value.isNegative(), key,
                "must be " + (positive ? "positive" : ">= 0") + ", got " + value);
        return value;
    }
}
