package io.sppo4j.model.judge.http;

import java.io.IOException;
import java.util.function.ToDoubleBiFunction;

/**
 * The model module's {@link FakeChatServer} for tests of other modules: a chat-completions
 * server on loopback that judges each (A, B) question by a function of the two responses.
 */
public final class LoopbackJudge implements AutoCloseable {

    private final FakeChatServer server;

    /** @param probabilityOfA P(A ≻ B) for response texts A and B, in (0, 1), answered as log-probabilities */
    public LoopbackJudge(ToDoubleBiFunction<String, String> probabilityOfA) throws IOException {
        server = new FakeChatServer(question -> FakeChatServer.Reply.logprobs(
                probabilityOfA.applyAsDouble(question.responseA(), question.responseB())));
    }

    /** The API's base URL, as {@code sppo4j.judge.http.base-url} takes it. */
    public String baseUrl() {
        return server.baseUrl();
    }

    /** Requests answered so far. */
    public int requests() {
        return server.requests();
    }

    @Override
    public void close() {
        server.close();
    }
}
