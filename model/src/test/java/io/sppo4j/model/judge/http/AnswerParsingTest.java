package io.sppo4j.model.judge.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** How answers become P(A), and how the template is filled. */
class AnswerParsingTest {

    private static String completion(String content, String logprobs) {
        return "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"" + content + "\"}"
                + (logprobs == null ? "" : ",\"logprobs\":" + logprobs) + "}]}";
    }

    @Test
    void answerTextsReadAsALetter() throws Exception {
        for (String a : new String[] {"A", " a", "A.", "**A**", "(A)", "Response A", "The better response is: A", "A is better"}) {
            assertEquals(1.0, AnswerProbability.fromText(a), a);
        }
        for (String b : new String[] {"B", "b\n", "Answer: B", "[B]", "Option B."}) {
            assertEquals(0.0, AnswerProbability.fromText(b), b);
        }
        for (String neither : new String[] {"", "C", "Both", "I cannot tell", "AB"}) {
            MalformedAnswerException error =
                    assertThrows(MalformedAnswerException.class, () -> AnswerProbability.fromText(neither), neither);
            assertTrue(error.unparsableText());
        }
    }

    @Test
    void logprobsSumEverySpellingOfEachLetterAtTheFirstAnswerToken() throws Exception {
        // "**" carries no letter and is skipped; " A" and "a" both read A.
        String logprobs = "{\"content\":[{\"token\":\"**\",\"logprob\":0,\"top_logprobs\":[]},"
                + "{\"token\":\" A\",\"logprob\":" + Math.log(0.5) + ",\"top_logprobs\":["
                + "{\"token\":\" A\",\"logprob\":" + Math.log(0.5) + "},{\"token\":\"a\",\"logprob\":" + Math.log(0.1) + "},"
                + "{\"token\":\"B\",\"logprob\":" + Math.log(0.2) + "},{\"token\":\"The\",\"logprob\":" + Math.log(0.2) + "}]}]}";
        assertEquals(0.6 / 0.8, AnswerProbability.fromBody(completion("**A**", logprobs)), 1e-12);
    }

    @Test
    void withoutAnyLetterAmongTheAlternativesTheTextDecides() throws Exception {
        String logprobs = "{\"content\":[{\"token\":\"Response\",\"logprob\":-0.1,\"top_logprobs\":["
                + "{\"token\":\"Response\",\"logprob\":-0.1},{\"token\":\"The\",\"logprob\":-2.4}]}]}";
        assertEquals(0.0, AnswerProbability.fromBody(completion("Response B", logprobs)));
    }

    @Test
    void bodiesThatAreNoCompletionAreMalformedNotUnparsable() {
        for (String body : new String[] {"not json", "[]", "{}", "{\"choices\":[]}", "{\"choices\":[{\"message\":{}}]}",
                completion("A", "{\"content\":[{\"token\":\"A\"}]}")}) {
            MalformedAnswerException error =
                    assertThrows(MalformedAnswerException.class, () -> AnswerProbability.fromBody(body), body);
            assertFalse(error.unparsableText(), body);
        }
    }

    @Test
    void theTemplateIsFilledInOnePass() {
        PairwiseTemplate template = new PairwiseTemplate("Q: {prompt} | A: {response_a} | B: {response_b}");
        assertEquals("Q: p | A: says {response_b} | B: b", template.render("p", "says {response_b}", "b"));
        assertEquals("[{response_b}]", PairwiseTemplate.missingPlaceholders("{prompt} {response_a}"));
    }
}
