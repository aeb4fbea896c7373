package io.sppo4j.model.eval;

import ai.djl.ndarray.NDManager;
import io.sppo4j.model.policy.LanguageModel;
import io.sppo4j.model.sampling.Generation;
import io.sppo4j.model.sampling.PolicyLogits;
import io.sppo4j.model.sampling.Sampler;
import io.sppo4j.model.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One response per prompt from a policy, with each response's length in tokens (EOS excluded).
 * Sampling is seeded per batch, so the same policy, prompts and seed give the same responses.
 *
 * @param tokenCounts each response's length in tokens, in the order of {@code texts}
 */
public record SampledResponses(List<String> texts, int[] tokenCounts) {

    public SampledResponses {
        texts = List.copyOf(texts);
        tokenCounts = tokenCounts.clone();
        if (texts.size() != tokenCounts.length) {
            throw new IllegalArgumentException(texts.size() + " responses but " + tokenCounts.length + " lengths");
        }
    }

    @Override
    public int[] tokenCounts() {
        return tokenCounts.clone();
    }

    /** Mean length in tokens, 0 for no responses. */
    public double meanLength() {
        return tokenCounts.length == 0 ? 0 : Arrays.stream(tokenCounts).average().orElse(0);
    }

    /** These responses followed by {@code more}. */
    public SampledResponses concat(SampledResponses more) {
        List<String> joined = new ArrayList<>(texts);
        joined.addAll(more.texts);
        int[] counts = Arrays.copyOf(tokenCounts, tokenCounts.length + more.tokenCounts.length);
        System.arraycopy(more.tokenCounts, 0, counts, tokenCounts.length, more.tokenCounts.length);
        return new SampledResponses(joined, counts);
    }

    public static SampledResponses sample(LanguageModel model, Tokenizer tokenizer, Sampler sampler,
            NDManager manager, List<String> prompts, int batchSize, long seed) {
        PolicyLogits source = new PolicyLogits(model);
        List<String> texts = new ArrayList<>(prompts.size());
        int[] counts = new int[prompts.size()];
        for (int start = 0, batch = 0; start < prompts.size(); start += batchSize, batch++) {
            List<int[]> ids = new ArrayList<>();
            for (String prompt : prompts.subList(start, Math.min(prompts.size(), start + batchSize))) {
                ids.add(tokenizer.encodePrompt(prompt));
            }
            Generation generation = sampler.generate(source, manager, ids, seed * 0xE7A1L + batch);
            for (Generation.Sequence sequence : generation.sequences()) {
                counts[texts.size()] = sequence.tokens().length - (sequence.endedWithEos() ? 1 : 0);
                texts.add(tokenizer.decode(sequence.tokens()));
            }
        }
        return new SampledResponses(texts, counts);
    }
}
