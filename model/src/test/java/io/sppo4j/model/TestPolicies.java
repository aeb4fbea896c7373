package io.sppo4j.model;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.sppo4j.model.policy.PolicyConfig;
import io.sppo4j.model.policy.TransformerPolicy;
import io.sppo4j.model.tokenizer.ByteTokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Small policies and prompts shared by the model tests. */
public final class TestPolicies {

    public static final PolicyConfig TINY = new PolicyConfig(ByteTokenizer.VOCAB_SIZE, 32, 2, 4, 64, 0f);

    private TestPolicies() {}

    public static TransformerPolicy tiny(NDManager manager, long seed) {
        return TransformerPolicy.create(TINY, seed, manager, Device.cpu());
    }

    /** Prompts starting with BOS, of the given lengths (BOS included), with random byte tokens. */
    public static List<int[]> prompts(long seed, int... lengths) {
        SplittableRandom random = new SplittableRandom(seed);
        List<int[]> prompts = new ArrayList<>();
        for (int length : lengths) {
            int[] prompt = new int[length];
            prompt[0] = ByteTokenizer.BOS;
            for (int i = 1; i < length; i++) {
                prompt[i] = random.nextInt(256);
            }
            prompts.add(prompt);
        }
        return prompts;
    }
}
