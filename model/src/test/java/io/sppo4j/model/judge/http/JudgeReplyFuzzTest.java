package io.sppo4j.model.judge.http;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sppo4j.model.fuzz.Fuzzing;

import java.util.List;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Replies of an OpenAI-compatible judge under generated and mutated bodies, read as the HTTP
 * judge reads them ({@link AnswerProbability#fromBody}): either a probability in [0, 1] or a
 * {@link MalformedAnswerException} saying what is wrong (the group then goes back to the learner).
 */
class JudgeReplyFuzzTest {

    private static final List<String> SEEDS = List.of(
            """
            {"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"A"},
             "logprobs":{"content":[{"token":"A","logprob":-0.1,"top_logprobs":[{"token":"A","logprob":-0.1},
             {"token":"B","logprob":-2.4},{"token":" A","logprob":-5.0}]}]},"finish_reason":"stop"}]}""",
            """
            {"choices":[{"message":{"content":"The better response is: **B**"}}]}""",
            """
            {"choices":[{"message":{"content":"(A)"},"logprobs":{"content":[{"token":"(","logprob":-0.01},
             {"token":"A","logprob":-0.3,"top_logprobs":[]}]}}]}""",
            """
            {"choices":[]}""");

    @Property(tries = 15_000)
    void aReplyGivesAProbabilityOrANamedRefusal(@ForAll("bodies") String body) {
        Fuzzing.Outcome outcome = Fuzzing.decodes("judge reply", Fuzzing.allocationBound(body.length()),
                () -> AnswerProbability.fromBody(body), MalformedAnswerException.class);
        if (!outcome.refused()) {
            double probability = (double) outcome.value();
            assertTrue(probability >= 0 && probability <= 1, "P(A) = " + probability + " from " + body);
        }
    }

    @Provide
    Arbitrary<String> bodies() {
        return Fuzzing.textAround(SEEDS, 2048);
    }
}
