package io.sppo4j.cluster.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.sppo4j.model.eval.SampledResponses;
import io.sppo4j.model.hf.LoraSetup;
import io.sppo4j.model.sampling.Sampler;
import io.sppo4j.model.sampling.SamplingConfig;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * How {@code eval} samples a policy: {@code copies} responses per prompt (one for plain sampling,
 * N for best-of-N), one policy in memory at a time, with progress on stderr. Batch b is seeded
 * with the b-th draw of the seed's generator, so two policies sampled with the same seed see the
 * same seeds on the same prompts.
 */
final class EvalSampling {

    private EvalSampling() {}

    /**
     * @return {@code texts.size() × copies} responses, prompt-major: the copies of prompt i are
     *     at {@code i·copies .. i·copies + copies − 1}
     */
    static SampledResponses sample(String option, Path directory, LoraSetup lora, List<String> texts, int copies,
            SamplingConfig sampling, long seed, Device device, int batch) {
        List<String> prompts = new ArrayList<>(texts.size() * copies);
        for (String text : texts) {
            for (int copy = 0; copy < copies; copy++) {
                prompts.add(text);
            }
        }
        SampledResponses responses = new SampledResponses(List.of(), new int[0]);
        SplittableRandom seeds = new SplittableRandom(seed);
        try (HfPolicyDirectory loaded = HfPolicyDirectory.load(option, directory, lora, device);
                NDManager manager = NDManager.newBaseManager(device)) {
            Sampler sampler = new Sampler(sampling, loaded.tokenizer());
            for (int start = 0; start < prompts.size(); start += batch) {
                List<String> chunk = prompts.subList(start, Math.min(prompts.size(), start + batch));
                responses = responses.concat(SampledResponses.sample(
                        loaded.model(), loaded.tokenizer(), sampler, manager, chunk, chunk.size(), seeds.nextLong()));
                System.err.printf("eval: %s sampled %d/%d %s%n", option.substring(2), responses.texts().size(), prompts.size(),
                        copies == 1 ? "prompts" : "candidates");
            }
        }
        return responses;
    }
}
