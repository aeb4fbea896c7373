package io.sppo4j.model.judge.http;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.sppo4j.model.judge.JudgeUnavailableException;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks an OpenAI-compatible {@code /chat/completions} endpoint one question at a time, with at
 * most {@code max-concurrency} requests in flight, a time limit per request, and retries with
 * exponential back-off and jitter on timeouts, connection errors, 429, 5xx and bodies that give
 * no verdict. The API key is read once from the environment and only ever written into the
 * Authorization header: never logged, never put in an exception, and scrubbed from any server
 * text that is.
 */
final class ChatCompletionsClient implements AutoCloseable {

    /** Reads the answer out of a 200 response body. */
    @FunctionalInterface
    interface AnswerReader<T> {
        T read(String body) throws MalformedAnswerException;
    }

    private static final Logger LOG = LoggerFactory.getLogger(ChatCompletionsClient.class);
    private static final int BODY_EXCERPT = 200;

    private final HttpJudgeSettings settings;
    private final String judge;
    private final HttpJudgeObserver observer;
    private final String apiKey;
    private final ExecutorService executor;
    private final HttpClient http;
    private final ConcurrencyLimit limit;
    private final Backoff backoff;

    /** @param environment the process environment ({@code System::getenv}); tests pass their own */
    ChatCompletionsClient(
            HttpJudgeSettings settings, String judge, Function<String, String> environment, HttpJudgeObserver observer) {
        this.settings = settings;
        this.judge = judge;
        this.observer = observer;
        String key = settings.apiKeyEnv().isEmpty() ? null : environment.apply(settings.apiKeyEnv());
        this.apiKey = key == null || key.isBlank() ? null : key.trim();
        AtomicInteger threads = new AtomicInteger();
        this.executor = Executors.newCachedThreadPool(task -> {
            Thread thread = new Thread(task, "sppo4j-http-judge-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        this.http = HttpClient.newBuilder()
                .executor(executor)
                .connectTimeout(settings.connectTimeout())
                // Plain-text servers (vLLM, llama.cpp, Ollama on a local port) speak HTTP/1.1; TLS ones negotiate HTTP/2.
                .version("https".equals(settings.baseUrl().getScheme()) ? HttpClient.Version.HTTP_2 : HttpClient.Version.HTTP_1_1)
                .build();
        this.limit = new ConcurrencyLimit(settings.maxConcurrency());
        this.backoff = new Backoff(settings.initialBackoff(), settings.maxBackoff());
    }

    /**
     * Sends {@code userMessage} until a response {@code reader} accepts, or fails with
     * {@link JudgeUnavailableException} once the attempts run out. Stops early, with a
     * {@link CancellationException}, when {@code abandoned} turns true between attempts.
     */
    <T> CompletableFuture<T> ask(String userMessage, AnswerReader<T> reader, BooleanSupplier abandoned) {
        CompletableFuture<T> result = new CompletableFuture<>();
        attempt(request(userMessage), reader, abandoned, 1, result);
        return result;
    }

    private HttpRequest request(String userMessage) {
        JsonObject body = new JsonObject();
        if (!settings.model().isEmpty()) {
            body.addProperty("model", settings.model());
        }
        JsonArray messages = new JsonArray();
        if (!settings.systemPrompt().isEmpty()) {
            messages.add(message("system", settings.systemPrompt()));
        }
        messages.add(message("user", userMessage));
        body.add("messages", messages);
        body.addProperty("temperature", settings.temperature());
        body.addProperty("max_tokens", settings.maxTokens());
        if (settings.logprobs()) {
            body.addProperty("logprobs", true);
            body.addProperty("top_logprobs", settings.topLogprobs());
        }
        HttpRequest.Builder builder = HttpRequest.newBuilder(settings.endpoint())
                .timeout(settings.requestTimeout())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8));
        if (apiKey != null) {
            builder.header("Authorization", "Bearer " + apiKey);
        }
        return builder.build();
    }

    private static JsonObject message(String role, String content) {
        JsonObject message = new JsonObject();
        message.addProperty("role", role);
        message.addProperty("content", content);
        return message;
    }

    private <T> void attempt(
            HttpRequest request, AnswerReader<T> reader, BooleanSupplier abandoned, int attempt, CompletableFuture<T> result) {
        long[] sentAt = new long[1];
        limit.submit(() -> {
            if (abandoned.getAsBoolean()) {
                return CompletableFuture.<HttpResponse<String>>failedFuture(new CancellationException("abandoned"));
            }
            sentAt[0] = System.nanoTime();
            // orTimeout also bounds a server that sends its headers and then stalls the body.
            return http.sendAsync(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8))
                    .orTimeout(settings.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
        }).whenComplete((response, error) -> {
            Throwable cause = unwrap(error);
            if (cause instanceof CancellationException) {
                result.completeExceptionally(cause);
                return;
            }
            observer.requestEnded(judge, (System.nanoTime() - sentAt[0]) / 1e9);
            Failure failure;
            if (cause != null) {
                failure = new Failure(cause instanceof TimeoutException || cause instanceof HttpTimeoutException
                        ? FailureKind.TIMEOUT : FailureKind.CONNECTION, describe(cause), Duration.ZERO);
            } else {
                failure = judgeResponse(response, reader, result);
                if (failure == null) {
                    return;
                }
            }
            retryOrGiveUp(request, reader, abandoned, attempt, result, failure);
        });
    }

    /** Completes {@code result} from a usable response; otherwise says why the attempt failed. */
    private <T> Failure judgeResponse(HttpResponse<String> response, AnswerReader<T> reader, CompletableFuture<T> result) {
        int status = response.statusCode();
        if (status == 200) {
            try {
                result.complete(reader.read(response.body()));
                return null;
            } catch (MalformedAnswerException e) {
                return new Failure(FailureKind.MALFORMED, scrub(e.getMessage()), Duration.ZERO);
            } catch (RuntimeException e) {
                return new Failure(FailureKind.MALFORMED, scrub(e.toString()), Duration.ZERO);
            }
        }
        String what = "HTTP " + status + ": " + excerpt(response.body());
        if (status == 429) {
            return new Failure(FailureKind.RATE_LIMITED, what, retryAfter(response));
        }
        if (status >= 500) {
            return new Failure(FailureKind.SERVER_ERROR, what, retryAfter(response));
        }
        return new Failure(FailureKind.REFUSED, what, Duration.ZERO);
    }

    private <T> void retryOrGiveUp(
            HttpRequest request, AnswerReader<T> reader, BooleanSupplier abandoned, int attempt, CompletableFuture<T> result,
            Failure failure) {
        if (failure.kind().retryable() && attempt < settings.maxAttempts() && !abandoned.getAsBoolean()) {
            Duration delay = backoff.before(attempt, failure.retryAfter());
            observer.retrying(judge, failure.kind());
            LOG.debug("judge {}: attempt {}/{} failed ({}); next in {} ms", judge, attempt, settings.maxAttempts(),
                    failure.description(), delay.toMillis());
            // The default async pool, not ours: a retry due after close() must still run and fail, not vanish.
            CompletableFuture.delayedExecutor(delay.toMillis(), TimeUnit.MILLISECONDS)
                    .execute(() -> attempt(request, reader, abandoned, attempt + 1, result));
            return;
        }
        if (abandoned.getAsBoolean()) {
            result.completeExceptionally(new CancellationException("abandoned"));
            return;
        }
        observer.gaveUp(judge, failure.kind());
        result.completeExceptionally(new JudgeUnavailableException(
                "judge " + judge + ": no verdict from " + settings.printableBaseUrl() + " after " + attempt
                        + (attempt == 1 ? " attempt" : " attempts") + "; last: " + failure.kind().label() + ", "
                        + failure.description()));
    }

    /** Why one attempt failed: its kind, a description safe to show, and the server's Retry-After. */
    private record Failure(FailureKind kind, String description, Duration retryAfter) {}

    private static Duration retryAfter(HttpResponse<String> response) {
        return response.headers().firstValue("Retry-After").map(value -> {
            try {
                return Duration.ofSeconds(Math.max(0, Long.parseLong(value.trim())));
            } catch (NumberFormatException e) {
                return Duration.ZERO; // an HTTP date: the back-off alone decides
            }
        }).orElse(Duration.ZERO);
    }

    private static Throwable unwrap(Throwable error) {
        Throwable cause = error;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    private String describe(Throwable cause) {
        String message = cause.getMessage();
        return scrub(cause.getClass().getSimpleName() + (message == null ? "" : ": " + message));
    }

    private String excerpt(String body) {
        // Scrubbed before it is cut, so no fragment of the key survives at the cut.
        String flat = scrub(body == null ? "" : body.replaceAll("\\s+", " ").trim());
        return flat.length() > BODY_EXCERPT ? flat.substring(0, BODY_EXCERPT) + "…" : flat;
    }

    /** Removes the API key from text that came from elsewhere (a server may echo the header back). */
    private String scrub(String text) {
        return apiKey == null || text == null ? text : text.replace(apiKey, "***");
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }

    @Override
    public String toString() {
        return "ChatCompletionsClient[" + settings.printableBaseUrl() + ", judge " + judge + "]";
    }
}
