package io.sppo4j.model.weights;

import ai.djl.ndarray.NDManager;
import io.sppo4j.model.TestPolicies;
import io.sppo4j.model.nd.Autograd;
import io.sppo4j.model.policy.LanguageModel;
import io.sppo4j.model.sampling.TokenBatch;
import io.sppo4j.model.tokenizer.ByteTokenizer;

import java.util.List;

/** Observations of a model's weights and outputs shared by the weight and checkpoint tests. */
public final class WeightFixtures {

    private WeightFixtures() {}

    /** Logits of a fixed padded batch of prompts, as floats. */
    public static float[] logits(LanguageModel model) {
        List<int[]> prompts = TestPolicies.prompts(11, 7, 3, 5);
        try (Autograd.Scope paused = Autograd.paused(); NDManager scope = model.manager().newSubManager()) {
            TokenBatch.Padded batch = TokenBatch.layout(
                    scope, prompts, null, TokenBatch.maxLength(prompts), 0, ByteTokenizer.PAD);
            return model.forward(batch.tokens(), batch.mask(), null, false).toFloatArray();
        }
    }

    /** The model's parameters as F32 host bytes, in parameter order. */
    public static List<NamedTensor> parameters(LanguageModel model) {
        return ModelParameters.read(model);
    }
}
