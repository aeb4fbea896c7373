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
        FakeChatServer server = new FakeChatServer(responder);
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
    void retriesWaitAnExponentialBackOff() throws Exception {
        // One question fails twice; the waits before its second and third attempts are at least
        // half of 400 ms and half of 800 ms (the jitter takes up to half away, never adds).
        List<Long> arrivals = new java.util.concurrent.CopyOnWriteArrayList<>();
        FakeChatServer server = failingFirst(arrivals, 2, FakeChatServer.Reply.status(503, "busy"));
        assertRanksBestFirst(judge(server, "sppo4j.judge.http.initial-backoff=400ms", "sppo4j.judge.http.max-backoff=10s",
                "sppo4j.judge.http.max-attempts=3").preferences(PROMPT, List.of("zz", "z")), 0.8);
        assertEquals(3, arrivals.size());
        long firstWait = TimeUnit.NANOSECONDS.toMillis(arrivals.get(1) - arrivals.get(0));
        long secondWait = TimeUnit.NANOSECONDS.toMillis(arrivals.get(2) - arrivals.get(1));
        assertTrue(firstWait >= 200, "first back-off " + firstWait + " ms, at least 200");
        assertTrue(secondWait >= 400, "second back-off " + secondWait + " ms, at least 400: it doubles");
    }

    @Test
    void aRetryAfterLongerThanTheBackOffIsHonoured() throws Exception {
        List<Long> arrivals = new java.util.concurrent.CopyOnWriteArrayList<>();
        FakeChatServer server = failingFirst(arrivals, 1,
                new FakeChatServer.Reply(429, "{\"error\":\"slow down\"}", Map.of("Retry-After", "1"), false));
        // The back-off alone would wait at most 1 ms; the server asks for a second.
        assertRanksBestFirst(judge(server, "sppo4j.judge.http.max-backoff=5s").preferences(PROMPT, List.of("zz", "z")), 0.8);
        assertEquals(2, arrivals.size());
        long waited = TimeUnit.NANOSECONDS.toMillis(arrivals.get(1) - arrivals.get(0));
        assertTrue(waited >= 1000, "waited " + waited + " ms after Retry-After: 1");
        assertEquals(Map.of(FailureKind.RATE_LIMITED, 1), observer.retries);
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

    /** Counts what the judge reports. */
    private static final class RecordingObserver implements HttpJudgeObserver {
        final AtomicInteger requests = new AtomicInteger();
        final AtomicInteger gaveUp = new AtomicInteger();
        final AtomicInteger cacheHits = new AtomicInteger();
        final Map<FailureKind, Integer> retries = new ConcurrentHashMap<>();

        @Override
        public void requestEnded(String judge, double seconds) {
            requests.incrementAndGet();
        }

        @Override
        public void retrying(String judge, FailureKind cause) {
            retries.merge(cause, 1, Integer::sum);
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
