package io.sppo4j.model;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.sppo4j.model.hf.HfCausalModel;
import io.sppo4j.model.hf.HfModels;
import io.sppo4j.model.nd.Precision;
import io.sppo4j.model.policy.PolicyConfig;
import io.sppo4j.model.tokenizer.ByteTokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Small policies and prompts shared by the model tests. */
public final class TestPolicies {

    public static final PolicyConfig TINY = new PolicyConfig(ByteTokenizer.VOCAB_SIZE, 32, 2, 4, 64, 0f);

    private TestPolicies() {}

    public static HfCausalModel tiny(NDManager manager, long seed) {
        return create(TINY, seed, manager);
    }

    /** The built-in policy (a GPT-2 configuration of the one decoder) of the given shape, in float32 on the CPU. */
    public static HfCausalModel create(PolicyConfig shape, long seed, NDManager manager) {
        return HfModels.builtIn(shape, seed, manager, Device.cpu(), Precision.FP32);
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
