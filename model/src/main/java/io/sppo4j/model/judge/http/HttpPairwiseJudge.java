package io.sppo4j.model.judge.http;

import io.sppo4j.model.judge.JudgeUnavailableException;
import io.sppo4j.model.judge.PreferenceModel;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * An LLM as the judge, behind an OpenAI-compatible chat-completions API (vLLM, llama.cpp server,
 * Ollama, hosted APIs). For every pair of distinct responses it asks twice, once with each in
 * position A, and averages, {@code P(i ≻ j) = (P_A(i, j) + 1 − P_A(j, i)) / 2}: a judge that
 * leans toward the first position leans equally in both questions, and the lean cancels. A group
 * of K responses costs at most K(K−1) questions, fewer when responses repeat or the cache knows
 * the answer; identical responses tie without a question.
 *
 * <p>If any question stays unanswered after its retries, the whole group fails with
 * {@link JudgeUnavailableException} and the group's remaining questions are dropped: no
 * preference is ever made up. The judge is thread-safe; {@link #close} stops its client.
 */
public final class HttpPairwiseJudge implements PreferenceModel, AutoCloseable {

    private final String name;
    private final HttpJudgeSettings settings;
    private final ChatCompletionsClient client;
    private final ComparisonCache cache;
    private final HttpJudgeObserver observer;

    /** A judge reading its API key from the process environment. */
    public HttpPairwiseJudge(HttpJudgeSettings settings, HttpJudgeObserver observer) {
        this(settings, observer, System::getenv);
    }

    /** @param environment looks up the variable named by {@code api-key-env} */
    public HttpPairwiseJudge(HttpJudgeSettings settings, HttpJudgeObserver observer, Function<String, String> environment) {
        this.name = settings.model().isEmpty() ? "http" : "http-" + settings.model();
        this.settings = settings;
        this.observer = observer;
        this.client = new ChatCompletionsClient(settings, name, environment, observer);
        this.cache = new ComparisonCache(settings.cacheSize());
    }

    @Override
    public String name() {
        return name;
    }

    public HttpJudgeSettings settings() {
        return settings;
    }

    @Override
    public double[][] preferences(String prompt, List<String> responses) {
        int k = responses.size();
        AtomicBoolean abandoned = new AtomicBoolean();
        // Each distinct question once, however often it comes up in the group.
        Map<ComparisonCache.Key, CompletableFuture<Double>> questions = new LinkedHashMap<>();
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                if (i != j && !responses.get(i).equals(responses.get(j))) {
                    questions.computeIfAbsent(new ComparisonCache.Key(prompt, responses.get(i), responses.get(j)),
                            key -> probabilityOfA(key, abandoned));
                }
            }
        }
        awaitAll(questions, abandoned);
        double[][] p = new double[k][k];
        for (int i = 0; i < k; i++) {
            p[i][i] = 0.5;
            for (int j = i + 1; j < k; j++) {
                if (responses.get(i).equals(responses.get(j))) {
                    p[i][j] = 0.5;
                } else {
                    double iFirst = questions.get(new ComparisonCache.Key(prompt, responses.get(i), responses.get(j))).join();
                    double jFirst = questions.get(new ComparisonCache.Key(prompt, responses.get(j), responses.get(i))).join();
                    p[i][j] = (iFirst + 1 - jFirst) / 2;
                }
                p[j][i] = 1 - p[i][j];
            }
        }
        return p;
    }

    /** The judge's P(response A is better), from the cache or the server. */
    private CompletableFuture<Double> probabilityOfA(ComparisonCache.Key key, AtomicBoolean abandoned) {
        var cached = cache.probabilityOfA(key);
        if (cached.isPresent()) {
            observer.cacheHit(name);
            return CompletableFuture.completedFuture(cached.get());
        }
        String question = settings.template().render(key.prompt(), key.responseA(), key.responseB());
        return client.ask(question, this::readProbabilityOfA, abandoned::get).thenApply(probability -> {
            cache.put(key, probability);
            return probability;
        });
    }

    private double readProbabilityOfA(String body) throws MalformedAnswerException {
        try {
            return AnswerProbability.fromBody(body);
        } catch (MalformedAnswerException e) {
            if (e.unparsableText() && settings.unparsable() == HttpJudgeSettings.Unparsable.TIE) {
                return 0.5;
            }
            throw e;
        }
    }

    /** Waits for every answer; at the first failure, abandons the rest and throws. */
    private void awaitAll(Map<ComparisonCache.Key, CompletableFuture<Double>> questions, AtomicBoolean abandoned) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        AtomicInteger remaining = new AtomicInteger(questions.size());
        if (questions.isEmpty()) {
            done.complete(null);
        }
        for (CompletableFuture<Double> answer : questions.values()) {
            answer.whenComplete((value, error) -> {
                if (error != null) {
                    // Ask nothing more for a group that has failed already.
                    abandoned.set(true);
                    done.completeExceptionally(error);
                } else if (remaining.decrementAndGet() == 0) {
                    done.complete(null);
                }
            });
        }
        try {
            done.get();
        } catch (InterruptedException e) {
            abandoned.set(true);
            Thread.currentThread().interrupt();
            throw new JudgeUnavailableException("judge " + name + ": interrupted while waiting for the server", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() instanceof CompletionException && e.getCause().getCause() != null
                    ? e.getCause().getCause() : e.getCause();
            if (cause instanceof JudgeUnavailableException unavailable) {
                throw new JudgeUnavailableException(unavailable.getMessage(), unavailable);
            }
            if (cause instanceof CancellationException) {
                throw new JudgeUnavailableException("judge " + name + ": a question was cancelled", cause);
            }
            throw new JudgeUnavailableException("judge " + name + ": " + cause, cause);
        }
    }

    @Override
    public void close() {
        client.close();
    }
}
