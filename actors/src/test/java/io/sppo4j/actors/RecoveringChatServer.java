package io.sppo4j.actors;

import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.sppo4j.model.task.sort.SortJudge;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A chat-completions endpoint on a loopback port that answers 503 until it {@link #recover}s,
 * then judges like the sort rule judge: the response closer to the sorted digits is "A" or "B".
 * It can also {@link #holdAnswers hold} every answer until {@link #releaseAnswers released}: a
 * judge as slow as a real LLM server, for as long as a test needs.
 */
final class RecoveringChatServer implements AutoCloseable {

    private static final Pattern DEFAULT_TEMPLATE = Pattern.compile(
            "\\[Prompt]\\n(.*?)\\n\\n\\[Response A]\\n(.*?)\\n\\n\\[Response B]\\n(.*?)\\n\\nWhich response", Pattern.DOTALL);

    private final HttpServer server;
    private final SortJudge rule = new SortJudge();
    private volatile boolean up;
    private volatile CountDownLatch gate = new CountDownLatch(0);
    private final CountDownLatch held = new CountDownLatch(1);

    RecoveringChatServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/v1/chat/completions", this::handle);
        server.start();
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    void recover() {
        up = true;
    }

    /** From now on, a request waits for {@link #releaseAnswers} before it is answered. */
    void holdAnswers() {
        gate = new CountDownLatch(1);
    }

    void releaseAnswers() {
        gate.countDown();
    }

    /** Whether a request arrived and is being held, within {@code limit}. */
    boolean awaitHeldRequest(Duration limit) throws InterruptedException {
        return held.await(limit.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            CountDownLatch waitFor = gate;
            if (waitFor.getCount() > 0) {
                held.countDown();
                try {
                    waitFor.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            String request = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String body;
            int status;
            if (!up) {
                status = 503;
                body = "{\"error\":\"loading model\"}";
            } else {
                var messages = JsonParser.parseString(request).getAsJsonObject().getAsJsonArray("messages");
                Matcher question = DEFAULT_TEMPLATE.matcher(
                        messages.get(messages.size() - 1).getAsJsonObject().get("content").getAsString());
                if (!question.find()) {
                    throw new IllegalStateException("not the default template");
                }
                double aWins = rule.preferences(question.group(1), List.of(question.group(2), question.group(3)))[0][1];
                status = 200;
                body = "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\""
                        + (aWins >= 0.5 ? "A" : "B") + "\"}}]}";
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
