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
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A chat-completions endpoint on a loopback port that answers 503 until it {@link #recover}s,
 * then judges like the sort rule judge: the response closer to the sorted digits is "A" or "B".
 */
final class RecoveringChatServer implements AutoCloseable {

    private static final Pattern DEFAULT_TEMPLATE = Pattern.compile(
            "\\[Prompt]\\n(.*?)\\n\\n\\[Response A]\\n(.*?)\\n\\n\\[Response B]\\n(.*?)\\n\\nWhich response", Pattern.DOTALL);

    private final HttpServer server;
    private final SortJudge rule = new SortJudge();
    private volatile boolean up;

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

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
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
