package io.sppo4j.model.judge.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.sppo4j.model.config.EffectiveConfig;
import io.sppo4j.model.judge.JudgeUnavailableException;
import io.sppo4j.model.judge.PreferenceMatrices;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The LLM judge against a real chat-completions server on a loopback port whose taste is known:
 * it prefers the response with more letters {@code z}.
 */
class HttpPairwiseJudgeTest {

    private static final String PROMPT = "write some z";
    /** Best first: more z is better. */
    private static final List<String> RESPONSES = List.of("zzz", "zz", "z", "y");

    private final List<AutoCloseable> open = new ArrayList<>();
    private final RecordingObserver observer = new RecordingObserver();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable closeable : open) {
            closeable.close();
        }
    }

    /** The server's taste: is A better than B? */
    private static boolean aIsBetter(FakeChatServer.Question question) {
        return count(question.responseA()) > count(question.responseB());
    }

    private static long count(String text) {
        return text.chars().filter(c -> c == 'z').count();
    }

    /** A server that answers with log-probabilities, P(A) = 0.8 when A is better, else 0.2. */
    private static FakeChatServer.Reply confident(FakeChatServer.Question question) {
        return FakeChatServer.Reply.logprobs(aIsBetter(question) ? 0.8 : 0.2);
    }

    private FakeChatServer server(FakeChatServer.Responder responder) throws Exception {
        return server(responder, 0);
    }

    private FakeChatServer server(FakeChatServer.Responder responder, int port) throws Exception {
        FakeChatServer server = new FakeChatServer(responder, port);
        open.add(server);
        return server;
    }

    private HttpPairwiseJudge judge(FakeChatServer server, String... overrides) {
        return judge(server, Map.of(), overrides);
    }

    private HttpPairwiseJudge judge(FakeChatServer server, Map<String, String> environment, String... overrides) {
        List<String> settings = new ArrayList<>(List.of(
                "sppo4j.judge.http.base-url=\"" + server.baseUrl() + "\"",
                "sppo4j.judge.http.model=judge-model",
                "sppo4j.judge.http.request-timeout=2s",
                "sppo4j.judge.http.initial-backoff=1ms",
                "sppo4j.judge.http.max-backoff=5ms"));
        settings.addAll(List.of(overrides));
        HttpPairwiseJudge judge = new HttpPairwiseJudge(
                HttpJudgeSettings.from(EffectiveConfig.load(List.of(), settings)), observer, environment::get);
        open.add(judge);
        return judge;
    }

    private static void assertRanksBestFirst(double[][] p, double expected) {
        PreferenceMatrices.validate(p, "http judge");
        for (int i = 0; i < p.length; i++) {
            for (int j = i + 1; j < p.length; j++) {
                assertEquals(expected, p[i][j], 1e-9, "P[" + i + "][" + j + "]");
            }
        }
    }

    @Test
    void logprobsGiveTheJudgesProbabilityAndEveryPairIsAskedInBothOrders() throws Exception {
        List<FakeChatServer.Question> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        FakeChatServer server = server(question -> {
            seen.add(question);
            return confident(question);
        });
        double[][] p = judge(server).preferences(PROMPT, RESPONSES);
        // (0.8 + 1 − 0.2) / 2 for every pair, the better response first.
        assertRanksBestFirst(p, 0.8);
        assertEquals(12, server.requests(), "K(K−1) questions for K = 4");
        assertEquals(12, seen.stream().map(q -> q.responseA() + "|" + q.responseB()).distinct().count());
        var request = seen.get(0).request();
        assertEquals("judge-model", request.get("model").getAsString());
        assertEquals(0.0, request.get("temperature").getAsDouble());
        assertEquals(5, request.get("max_tokens").getAsInt());
        assertTrue(request.get("logprobs").getAsBoolean());
        assertEquals(5, request.get("top_logprobs").getAsInt());
        assertEquals(PROMPT, seen.get(0).prompt());
    }

    @Test
    void withoutLogprobsTheAnswerTextDecides() throws Exception {
        FakeChatServer server = server(question -> {
            assertFalse(question.request().has("logprobs"), "logprobs = false asks for none");
            return FakeChatServer.Reply.text(aIsBetter(question) ? " **A**" : "b");
        });
        assertRanksBestFirst(judge(server, "sppo4j.judge.http.logprobs=false").preferences(PROMPT, RESPONSES), 1.0);
    }

    @Test
    void positionBiasCancelsWhenBothOrdersAreAveraged() throws Exception {
        // Leans 0.15 toward whatever stands in position A: the average over both orders is unmoved.
        FakeChatServer leaning = server(question -> FakeChatServer.Reply.logprobs((aIsBetter(question) ? 0.8 : 0.2) + 0.15));
        assertRanksBestFirst(judge(leaning).preferences(PROMPT, RESPONSES), 0.8);
        // Always "A": no preference is made up, every pair ties.
        FakeChatServer alwaysA = server(question -> FakeChatServer.Reply.text("A"));
        assertRanksBestFirst(judge(alwaysA, "sppo4j.judge.http.logprobs=false").preferences(PROMPT, RESPONSES), 0.5);
    }

    @Test
    void serverErrorsAndRateLimitsAreRetried() throws Exception {
        FakeChatServer server = server(question -> switch (question.number()) {
            case 1 -> FakeChatServer.Reply.status(500, "{\"error\":\"overloaded\"}");
            case 2 -> FakeChatServer.Reply.status(503, "");
            case 3 -> new FakeChatServer.Reply(429, "{\"error\":\"slow down\"}", Map.of("Retry-After", "0"), false);
            default -> confident(question);
        });
        assertRanksBestFirst(judge(server, "sppo4j.judge.http.max-attempts=4").preferences(PROMPT, List.of("zz", "z")), 0.8);
        assertEquals(5, server.requests(), "two questions and three failed attempts");
        assertEquals(Map.of(FailureKind.SERVER_ERROR, 2, FailureKind.RATE_LIMITED, 1), observer.retries);
        assertEquals(5, observer.requests.get());
    }

    @Test
    void aRequestThatTimesOutIsRetried() throws Exception {
        // The first request is never answered, however fast the machine: only the time-out can end it.
        // The limit is generous so that the answered requests fit in it on a loaded machine too.
        FakeChatServer server = server(question -> question.number() == 1 ? FakeChatServer.Reply.stalled() : confident(question));
        double[][] p = judge(server, "sppo4j.judge.http.request-timeout=2s").preferences(PROMPT, List.of("zz", "z"));
        assertRanksBestFirst(p, 0.8);
        assertEquals(Map.of(FailureKind.TIMEOUT, 1), observer.retries);
        assertEquals(3, server.requests(), "two questions and the stalled attempt");
    }

    @Test
    void aServerThatIsNotThereIsAConnectionFailureRetriedThenReported() throws Exception {
        int closedPort;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        FakeChatServer unused = server(HttpPairwiseJudgeTest::confident);
        HttpPairwiseJudge judge = judge(unused, "sppo4j.judge.http.base-url=\"http://127.0.0.1:" + closedPort + "/v1\"",
                "sppo4j.judge.http.max-attempts=3", "sppo4j.judge.http.max-concurrency=1");
        JudgeUnavailableException error =
                assertThrows(JudgeUnavailableException.class, () -> judge.preferences(PROMPT, List.of("zz", "z")));
        assertTrue(error.getMessage().contains("after 3 attempts; last: connection"), error.getMessage());
        assertTrue(error.getMessage().contains(":" + closedPort), error.getMessage());
        assertEquals(0, unused.requests(), "nothing reached the configured server's neighbour");
        assertTrue(observer.retries.getOrDefault(FailureKind.CONNECTION, 0) >= 2, observer.retries.toString());
        assertEquals(java.util.Set.of(FailureKind.CONNECTION), observer.retries.keySet(), "only connection failures");
        assertTrue(observer.gaveUp.get() >= 1);
    }

    @Test
    void aServerThatComesUpAfterConnectionFailuresIsReachedByRetriesThatWaitedTheBackOff() throws Exception {
        // The endpoint's port is closed until the client has reported two connection failures
        // (both questions', or one question's twice); the server then starts on it, so only
        // retries reach it. Whatever the order, every attempt that arrives follows a failure by a
        // back-off of at least half of 400 ms, so none arrives sooner than 200 ms after the first.
        int port;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        List<Long> arrivals = new java.util.concurrent.CopyOnWriteArrayList<>();
        long[] firstFailure = new long[1];
        int[] failures = new int[1];
        FakeChatServer[] cameUp = new FakeChatServer[1];
        observer.onRetry = cause -> {
            synchronized (cameUp) {
                failures[0]++;
                if (failures[0] == 1) {
                    firstFailure[0] = System.nanoTime();
                } else if (cameUp[0] == null) {
                    try {
                        cameUp[0] = server(question -> {
                            arrivals.add(System.nanoTime());
                            return confident(question);
                        }, port);
                    } catch (Exception e) {
                        throw new IllegalStateException("could not start the server on port " + port, e);
                    }
                }
            }
        };
        FakeChatServer unused = server(HttpPairwiseJudgeTest::confident);
        double[][] p = judge(unused, "sppo4j.judge.http.base-url=\"http://127.0.0.1:" + port + "/v1\"",
                "sppo4j.judge.http.initial-backoff=400ms", "sppo4j.judge.http.max-backoff=10s",
                "sppo4j.judge.http.max-attempts=4", "sppo4j.judge.http.max-concurrency=1").preferences(PROMPT, List.of("zz", "z"));
        assertRanksBestFirst(p, 0.8);
        assertEquals(java.util.Set.of(FailureKind.CONNECTION), observer.retries.keySet(), "only connection failures");
        assertEquals(2, cameUp[0].requests(), "each question answered once the server was up");
        for (long arrived : arrivals) {
            long waited = TimeUnit.NANOSECONDS.toMillis(arrived - firstFailure[0]);
            assertTrue(waited >= 200, "an attempt arrived " + waited + " ms after the first connection failure, at least 200");
        }
    }

    @Test
    void retriesWaitAnExponentialBackOff() throws Exception {
        // One question fails three times; the waits before its attempts 2, 3 and 4 are at least
        // half of 200, 400 and 800 ms (the jitter takes up to half away, never adds). The third
        // wait's least, 400 ms, is twice the most a back-off that did not double would wait.
        List<Long> arrivals = new java.util.concurrent.CopyOnWriteArrayList<>();
        FakeChatServer server = failingFirst(arrivals, 3, FakeChatServer.Reply.status(503, "busy"));
        assertRanksBestFirst(judge(server, "sppo4j.judge.http.initial-backoff=200ms", "sppo4j.judge.http.max-backoff=10s",
                "sppo4j.judge.http.max-attempts=4").preferences(PROMPT, List.of("zz", "z")), 0.8);
        List<Long> waits = waitsMillis(arrivals);
        assertEquals(3, waits.size(), "three retries: " + waits);
        assertTrue(waits.get(0) >= 100, "first back-off " + waits + " ms, at least 100");
        assertTrue(waits.get(1) >= 200, "second back-off " + waits + " ms, at least 200");
        assertTrue(waits.get(2) >= 400, "third back-off " + waits + " ms, at least 400: it doubles");
    }

    @Test
    void theBackOffStopsGrowingAtMaxBackoff() throws Exception {
        // Doubling from 100 ms, the sixth wait would be 1.6 to 3.2 s; capped at 150 ms, every wait
        // is 50 to 150 ms, and a second is far more than a loaded machine adds to one.
        List<Long> arrivals = new java.util.concurrent.CopyOnWriteArrayList<>();
        FakeChatServer server = failingFirst(arrivals, 6, FakeChatServer.Reply.status(503, "busy"));
        assertRanksBestFirst(judge(server, "sppo4j.judge.http.initial-backoff=100ms", "sppo4j.judge.http.max-backoff=150ms",
                "sppo4j.judge.http.max-attempts=7").preferences(PROMPT, List.of("zz", "z")), 0.8);
        List<Long> waits = waitsMillis(arrivals);
        assertEquals(6, waits.size(), "six retries: " + waits);
        for (long wait : waits) {
            assertTrue(wait >= 50 && wait < 1000, "every back-off between 50 ms and the 150 ms cap (plus scheduling): " + waits);
        }
    }

    @Test
    void aRetryAfterLongerThanTheBackOffIsHonouredOnRateLimitsAndServerErrors() throws Exception {
        List<Long> arrivals = new java.util.concurrent.CopyOnWriteArrayList<>();
        FakeChatServer server = server(question -> {
            if (!question.responseA().equals("zz")) {
                return confident(question);
            }
            arrivals.add(System.nanoTime());
            return switch (arrivals.size()) {
                case 1 -> new FakeChatServer.Reply(429, "{\"error\":\"slow down\"}", Map.of("Retry-After", "1"), false);
                case 2 -> new FakeChatServer.Reply(503, "{\"error\":\"restarting\"}", Map.of("Retry-After", "1"), false);
                default -> confident(question);
            };
        });
        // The back-off alone would wait at most 1 ms; the server asks for a second, twice.
        assertRanksBestFirst(judge(server, "sppo4j.judge.http.max-backoff=5s").preferences(PROMPT, List.of("zz", "z")), 0.8);
        List<Long> waits = waitsMillis(arrivals);
        assertEquals(2, waits.size(), "two retries: " + waits);
        assertTrue(waits.get(0) >= 1000, "waited " + waits.get(0) + " ms after a 429 with Retry-After: 1");
        assertTrue(waits.get(1) >= 1000, "waited " + waits.get(1) + " ms after a 503 with Retry-After: 1");
        assertEquals(Map.of(FailureKind.RATE_LIMITED, 1, FailureKind.SERVER_ERROR, 1), observer.retries);
    }

    @Test
    void aRetryAfterBeyondMaxBackoffWaitsMaxBackoff() throws Exception {
        // The server asks for 10 s; the client waits its max-backoff of 300 ms (the back-off alone
        // would be 1 ms), and a loaded machine does not stretch that to 5 s.
        List<Long> arrivals = new java.util.concurrent.CopyOnWriteArrayList<>();
        FakeChatServer server = failingFirst(arrivals, 1,
                new FakeChatServer.Reply(429, "{\"error\":\"slow down\"}", Map.of("Retry-After", "10"), false));
        assertRanksBestFirst(judge(server, "sppo4j.judge.http.max-backoff=300ms").preferences(PROMPT, List.of("zz", "z")), 0.8);
        long waited = waitsMillis(arrivals).get(0);
        assertTrue(waited >= 300 && waited < 5000, "waited " + waited + " ms after Retry-After: 10 with max-backoff 300 ms");
    }

    @Test
    void malformedBodiesAreRetried() throws Exception {
        FakeChatServer server = server(question -> switch (question.number()) {
            case 1 -> FakeChatServer.Reply.json("<html>bad gateway</html>");
            case 2 -> FakeChatServer.Reply.json("{\"choices\": []}");
            case 3 -> FakeChatServer.Reply.text("I cannot decide.");
            default -> confident(question);
        });
        assertRanksBestFirst(judge(server).preferences(PROMPT, List.of("zz", "z")), 0.8);
        assertEquals(Map.of(FailureKind.MALFORMED, 3), observer.retries);
    }

    @Test
    void unparsableAnswersTieWhenConfiguredTo() throws Exception {
        FakeChatServer server = server(question -> FakeChatServer.Reply.text("Both are fine."));
        double[][] p = judge(server, "sppo4j.judge.http.logprobs=false", "sppo4j.judge.http.unparsable=tie")
                .preferences(PROMPT, List.of("zz", "z"));
        assertRanksBestFirst(p, 0.5);
        assertEquals(2, server.requests(), "a tie is an answer: not retried");
    }

    @Test
    void persistentFailureThrowsAndMakesUpNothing() throws Exception {
        FakeChatServer server = server(question -> FakeChatServer.Reply.status(503, "down"));
        HttpPairwiseJudge judge = judge(server, "sppo4j.judge.http.max-attempts=3");
        JudgeUnavailableException error =
                assertThrows(JudgeUnavailableException.class, () -> judge.preferences(PROMPT, RESPONSES));
        assertTrue(error.getMessage().contains("after 3 attempts"), error.getMessage());
        assertTrue(error.getMessage().contains("HTTP 503"), error.getMessage());
        assertTrue(error.getMessage().contains(server.baseUrl()), error.getMessage());
        assertTrue(server.requests() <= 12 * 3, "bounded attempts: " + server.requests());
        assertTrue(observer.gaveUp.get() >= 1);
    }

    @Test
    void refusalsAreNotRetried() throws Exception {
        FakeChatServer server = server(question -> FakeChatServer.Reply.status(404, "{\"error\":\"model not found\"}"));
        JudgeUnavailableException error = assertThrows(JudgeUnavailableException.class,
                () -> judge(server, "sppo4j.judge.http.max-concurrency=1").preferences(PROMPT, List.of("zz", "z")));
        assertTrue(error.getMessage().contains("after 1 attempt;"), error.getMessage());
        assertTrue(error.getMessage().contains("model not found"), error.getMessage());
        assertEquals(1, server.requests(), "one refusal, and the group's other question is never sent");
    }

    @Test
    void cachedAndRepeatedQuestionsSendNoRequest() throws Exception {
        FakeChatServer server = server(HttpPairwiseJudgeTest::confident);
        HttpPairwiseJudge judge = judge(server);
        double[][] first = judge.preferences(PROMPT, RESPONSES);
        assertEquals(12, server.requests());
        double[][] again = judge.preferences(PROMPT, RESPONSES);
        assertEquals(12, server.requests(), "the second group is answered from the cache");
        assertEquals(12, observer.cacheHits.get());
        assertTrue(java.util.Arrays.deepEquals(first, again));
        // Identical responses tie without a question; a repeated pair is asked once.
        double[][] repeats = judge.preferences("another prompt", List.of("zz", "zz", "z", "z"));
        assertEquals(12 + 2, server.requests(), "only (zz, z) and (z, zz) are asked");
        assertEquals(0.5, repeats[0][1]);
        assertEquals(0.8, repeats[0][2], 1e-9);
        assertEquals(0.2, repeats[3][1], 1e-9);
    }

    @Test
    void aZeroCacheSizeAsksAgain() throws Exception {
        FakeChatServer server = server(HttpPairwiseJudgeTest::confident);
        HttpPairwiseJudge judge = judge(server, "sppo4j.judge.http.cache-size=0");
        judge.preferences(PROMPT, List.of("zz", "z"));
        judge.preferences(PROMPT, List.of("zz", "z"));
        assertEquals(4, server.requests());
    }

    @Test
    void noMoreRequestsInFlightThanMaxConcurrency() throws Exception {
        // Requests are answered two at a time, each pair together: a client that held fewer than
        // two at once would never be answered, one that held more would show it in maxInFlight.
        CyclicBarrier pairs = new CyclicBarrier(2);
        FakeChatServer server = server(question -> {
            try {
                pairs.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException | BrokenBarrierException | TimeoutException e) {
                throw new IllegalStateException("requests did not come two at a time", e);
            }
            return confident(question);
        });
        assertRanksBestFirst(judge(server, "sppo4j.judge.http.max-concurrency=2").preferences(PROMPT, RESPONSES), 0.8);
        assertEquals(12, server.requests());
        assertEquals(2, server.maxInFlight());
    }

    @Test
    void theApiKeyIsSentAsBearerAndNeverShown() throws Exception {
        String key = "sk-test-0123456789abcdef";
        Logger logger = (Logger) LoggerFactory.getLogger("io.sppo4j");
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        Level previous = logger.getLevel();
        logger.setLevel(Level.DEBUG);
        logger.addAppender(logs);
        try {
            // The server echoes the header back, as some error pages do.
            FakeChatServer server = server(question -> FakeChatServer.Reply.status(
                    question.number() == 1 ? 503 : 401, "{\"error\": \"bad key Bearer " + key + "\"}"));
            HttpPairwiseJudge judge = judge(server, Map.of("JUDGE_KEY", key),
                    "sppo4j.judge.http.api-key-env=JUDGE_KEY", "sppo4j.judge.http.max-concurrency=1");
            JudgeUnavailableException error =
                    assertThrows(JudgeUnavailableException.class, () -> judge.preferences(PROMPT, List.of("zz", "z")));
            assertTrue(server.authorizations().stream().allMatch(("Bearer " + key)::equals), server.authorizations().toString());
            for (Throwable t = error; t != null; t = t.getCause()) {
                assertFalse(t.toString().contains(key), "exception: " + t);
            }
            assertTrue(error.getMessage().contains("bad key Bearer ***"), error.getMessage());
            assertFalse(logs.list.isEmpty(), "the retry was logged");
            for (ILoggingEvent event : logs.list) {
                assertFalse(event.getFormattedMessage().contains(key), "log: " + event.getFormattedMessage());
            }
            assertFalse(judge.settings().toString().contains(key));
        } finally {
            logger.detachAppender(logs);
            logger.setLevel(previous);
        }
    }

    @Test
    void noKeyNoAuthorizationHeader() throws Exception {
        FakeChatServer server = server(HttpPairwiseJudgeTest::confident);
        judge(server, Map.of(), "sppo4j.judge.http.api-key-env=UNSET_JUDGE_KEY").preferences(PROMPT, List.of("zz", "z"));
        assertEquals(List.of("", ""), server.authorizations());
    }

    /**
     * A server that answers the question (zz, z) with {@code failure} its first {@code failures}
     * times, noting when each of its attempts arrived; every other question is answered at once.
     */
    private FakeChatServer failingFirst(List<Long> arrivals, int failures, FakeChatServer.Reply failure) throws Exception {
        return server(question -> {
            if (!question.responseA().equals("zz")) {
                return confident(question);
            }
            arrivals.add(System.nanoTime());
            return arrivals.size() <= failures ? failure : confident(question);
        });
    }

    /** The milliseconds between one arrival and the next. */
    private static List<Long> waitsMillis(List<Long> arrivalNanos) {
        List<Long> waits = new ArrayList<>();
        for (int i = 1; i < arrivalNanos.size(); i++) {
            waits.add(TimeUnit.NANOSECONDS.toMillis(arrivalNanos.get(i) - arrivalNanos.get(i - 1)));
        }
        return waits;
    }

    /** Counts what the judge reports. */
    private static final class RecordingObserver implements HttpJudgeObserver {
        final AtomicInteger requests = new AtomicInteger();
        final AtomicInteger gaveUp = new AtomicInteger();
        final AtomicInteger cacheHits = new AtomicInteger();
        final Map<FailureKind, Integer> retries = new ConcurrentHashMap<>();
        /** Runs as the client reports a failed attempt, before it schedules the retry. */
        volatile java.util.function.Consumer<FailureKind> onRetry = cause -> {};

        @Override
        public void requestEnded(String judge, double seconds) {
            requests.incrementAndGet();
        }

        @Override
        public void retrying(String judge, FailureKind cause) {
            retries.merge(cause, 1, Integer::sum);
            onRetry.accept(cause);
        }

        @Override
        public void gaveUp(String judge, FailureKind cause) {
            gaveUp.incrementAndGet();
        }

        @Override
        public void cacheHit(String judge) {
            cacheHits.incrementAndGet();
        }
    }
}
