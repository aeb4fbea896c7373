package io.sppo4j.model.eval;

import ai.djl.ndarray.NDManager;
import io.sppo4j.model.policy.LanguageModel;
import io.sppo4j.model.sampling.Generation;
import io.sppo4j.model.sampling.PolicyLogits;
import io.sppo4j.model.sampling.Sampler;
import io.sppo4j.model.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * One response per prompt from a policy, with their mean length in tokens (EOS excluded).
 * Sampling is seeded per batch, so the same policy, prompts and seed give the same responses.
 */
public record SampledResponses(List<String> texts, double meanLength) {

    public static SampledResponses sample(LanguageModel model, Tokenizer tokenizer, Sampler sampler,
            NDManager manager, List<String> prompts, int batchSize, long seed) {
        PolicyLogits source = new PolicyLogits(model);
        List<String> texts = new ArrayList<>(prompts.size());
        long tokens = 0;
        for (int start = 0, batch = 0; start < prompts.size(); start += batchSize, batch++) {
            List<int[]> ids = new ArrayList<>();
            for (String prompt : prompts.subList(start, Math.min(prompts.size(), start + batchSize))) {
                ids.add(tokenizer.encodePrompt(prompt));
            }
            Generation generation = sampler.generate(source, manager, ids, seed * 0xE7A1L + batch);
            for (Generation.Sequence sequence : generation.sequences()) {
                texts.add(tokenizer.decode(sequence.tokens()));
                tokens += sequence.tokens().length - (sequence.endedWithEos() ? 1 : 0);
            }
        }
        return new SampledResponses(texts, prompts.isEmpty() ? 0 : (double) tokens / prompts.size());
    }
}
