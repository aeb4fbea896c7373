package io.sppo4j.model.sampling;

import ai.djl.ndarray.NDManager;
import io.sppo4j.model.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.List;

/** Prompts in, decoded responses out, in batches of a bounded size. */
public final class TextSampling {

    private TextSampling() {}

    /**
     * @param batchSize most prompts decoded together
     * @param seed the i-th batch uses {@code seed + i}, so results do not depend on thread timing
     */
    public static List<String> sample(
            Sampler sampler, LogitsSource source, Tokenizer tokenizer, NDManager manager,
            List<String> prompts, int batchSize, long seed) {
        List<String> responses = new ArrayList<>(prompts.size());
        for (int start = 0, batch = 0; start < prompts.size(); start += batchSize, batch++) {
            List<int[]> ids = new ArrayList<>();
            for (String prompt : prompts.subList(start, Math.min(prompts.size(), start + batchSize))) {
                ids.add(tokenizer.encodePrompt(prompt));
            }
            for (Generation.Sequence sequence : sampler.generate(source, manager, ids, seed + batch).sequences()) {
                responses.add(tokenizer.decode(sequence.tokens()));
            }
        }
        return responses;
    }
}
