package io.sppo4j.model.judge.http;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A chat-completions server on a loopback port that reads the default comparison template back
 * into (prompt, A, B) and answers as its {@link Responder} says. It counts requests, records the
 * most it held at once and the Authorization headers it saw.
 */
public final class FakeChatServer implements AutoCloseable {

    /** One comparison as the server understood it. */
    public record Question(String prompt, String responseA, String responseB, JsonObject request, int number) {}

    /** The server's answer to one request. */
    public record Reply(int status, String body, Map<String, String> headers, boolean stall) {

        public static Reply json(String body) {
            return new Reply(200, body, Map.of(), false);
        }

        public static Reply status(int status, String body) {
            return new Reply(status, body, Map.of(), false);
        }

        /** Never answers (until the server closes): the client's timeout must fire. */
        public static Reply stalled() {
            return new Reply(200, "", Map.of(), true);
        }

        /** A completion whose answer is {@code content}, without log-probabilities. */
        public static Reply text(String content) {
            return json(completion(content, null).toString());
        }

        /**
         * A completion answering the letter more likely under {@code probabilityOfA}, with the
         * first token's top log-probabilities {@code A: ln p, B: ln(1−p)}.
         */
        public static Reply logprobs(double probabilityOfA) {
            String letter = probabilityOfA >= 0.5 ? "A" : "B";
            JsonArray top = new JsonArray();
            top.add(alternative("A", Math.log(probabilityOfA)));
            top.add(alternative("B", Math.log(1 - probabilityOfA)));
            JsonObject first = alternative(letter, Math.log(letter.equals("A") ? probabilityOfA : 1 - probabilityOfA));
            first.add("top_logprobs", top);
            JsonArray content = new JsonArray();
            content.add(first);
            JsonObject logprobs = new JsonObject();
            logprobs.add("content", content);
            return json(completion(letter, logprobs).toString());
        }

        private static JsonObject alternative(String token, double logprob) {
            JsonObject alternative = new JsonObject();
            alternative.addProperty("token", token);
            alternative.addProperty("logprob", logprob);
            return alternative;
        }

        private static JsonObject completion(String content, JsonObject logprobs) {
            JsonObject message = new JsonObject();
            message.addProperty("role", "assistant");
            message.addProperty("content", content);
            JsonObject choice = new JsonObject();
            choice.addProperty("index", 0);
            choice.add("message", message);
            if (logprobs != null) {
                choice.add("logprobs", logprobs);
            }
            choice.addProperty("finish_reason", "stop");
            JsonArray choices = new JsonArray();
            choices.add(choice);
            JsonObject root = new JsonObject();
            root.addProperty("object", "chat.completion");
            root.add("choices", choices);
            return root;
        }
    }

    @FunctionalInterface
    public interface Responder {
        Reply reply(Question question);
    }

    private static final Pattern DEFAULT_TEMPLATE = Pattern.compile(
            "\\[Prompt]\\n(.*?)\\n\\n\\[Response A]\\n(.*?)\\n\\n\\[Response B]\\n(.*?)\\n\\nWhich response", Pattern.DOTALL);

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final CountDownLatch closing = new CountDownLatch(1);
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();
    private final List<String> authorizations = new CopyOnWriteArrayList<>();
    private volatile Responder responder;

    public FakeChatServer(Responder responder) throws IOException {
        this(responder, 0);
    }

    /** A server on loopback port {@code port}; 0 for any free one. */
    public FakeChatServer(Responder responder, int port) throws IOException {
        this.responder = responder;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
        server.createContext("/v1/chat/completions", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    /** The API's base URL, as {@code sppo4j.judge.http.base-url} takes it. */
    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    void respondWith(Responder next) {
        responder = next;
    }

    public int requests() {
        return requests.get();
    }

    int maxInFlight() {
        return maxInFlight.get();
    }

    /** The Authorization header of every request, "" where there was none. */
    List<String> authorizations() {
        return authorizations;
    }

    private void handle(HttpExchange exchange) throws IOException {
        int now = inFlight.incrementAndGet();
        maxInFlight.accumulateAndGet(now, Math::max);
        boolean counted = true;
        try {
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            authorizations.add(authorization == null ? "" : authorization);
            JsonObject request = JsonParser.parseString(
                    new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)).getAsJsonObject();
            JsonArray messages = request.getAsJsonArray("messages");
            String user = messages.get(messages.size() - 1).getAsJsonObject().get("content").getAsString();
            Matcher matcher = DEFAULT_TEMPLATE.matcher(user);
            if (!matcher.find()) {
                throw new IllegalStateException("not the default template: " + user);
            }
            Reply reply = responder.reply(
                    new Question(matcher.group(1), matcher.group(2), matcher.group(3), request, requests.incrementAndGet()));
            if (reply.stall()) {
                closing.await();
                return;
            }
            // Before the answer leaves: once the client has it, it may send the next request at once.
            inFlight.decrementAndGet();
            counted = false;
            byte[] body = reply.body().getBytes(StandardCharsets.UTF_8);
            reply.headers().forEach((name, value) -> exchange.getResponseHeaders().add(name, value));
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(reply.status(), body.length == 0 ? -1 : body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (counted) {
                inFlight.decrementAndGet();
            }
            exchange.close();
        }
    }

    @Override
    public void close() {
        closing.countDown();
        server.stop(0);
        executor.shutdownNow();
    }
}
