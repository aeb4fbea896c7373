package io.sppo4j.model.weights;

import ai.djl.ndarray.NDManager;
import io.sppo4j.model.TestPolicies;
import io.sppo4j.model.nd.Autograd;
import io.sppo4j.model.optim.OptimizerState;
import io.sppo4j.model.policy.LanguageModel;
import io.sppo4j.model.sampling.TokenBatch;
import io.sppo4j.model.tokenizer.ByteTokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
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

    /** The model's parameters as F32 bytes copied onto the heap, in parameter order (tiny models only). */
    public static List<NamedTensor> parameters(LanguageModel model) {
        return onHeap(ModelParameters.source(model));
    }

    /** Every tensor of {@code source} copied onto the heap, so that it outlives the source (tiny models only). */
    public static List<NamedTensor> onHeap(TensorSource source) {
        List<NamedTensor> copies = new ArrayList<>();
        try {
            source.forEach(tensor -> copies.add(new NamedTensor(tensor.spec(), ByteBuffer.wrap(tensor.data()))));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return copies;
    }

    /** {@code state} with its tensors copied onto the heap: comparable, and independent of later steps. */
    public static OptimizerState onHeap(OptimizerState state) {
        return new OptimizerState(state.algorithm(), state.scalars(), onHeap(state.tensors()));
    }
}
