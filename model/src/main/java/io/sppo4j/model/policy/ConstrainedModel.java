package io.sppo4j.model.policy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

import java.util.Arrays;

/**
 * A model whose outputs are restricted to a set of token ids: every other logit is pushed to a
 * large negative value, so sampling, scoring and training all see the same distribution over the
 * allowed tokens alone, normalised over them. The {@code game} task uses it so that a policy's
 * distribution over the game's responses is exactly a probability vector, with no mass lost to
 * special tokens.
 */
public final class ConstrainedModel extends DelegatingLanguageModel {

    /** Like the attention mask: exp underflows to exactly 0, and no infinities reach the gradients. */
    private static final float EXCLUDED = -1e9f;

    private final int[] allowed;
    private final float[] bias;

    public ConstrainedModel(LanguageModel model, int[] allowedIds) {
        super(model);
        if (allowedIds.length == 0) {
            throw new IllegalArgumentException("a constrained model needs at least one allowed token");
        }
        this.allowed = allowedIds.clone();
        this.bias = new float[model.vocabSize()];
        Arrays.fill(bias, EXCLUDED);
        for (int id : allowedIds) {
            if (id < 0 || id >= model.vocabSize()) {
                throw new IllegalArgumentException("allowed token " + id + " is outside the vocabulary of " + model.vocabSize());
            }
            bias[id] = 0f;
        }
    }

    /** The wrapped model (for checkpoints of its own parameters). */
    public LanguageModel unconstrained() {
        return model;
    }

    public int[] allowedIds() {
        return allowed.clone();
    }

    @Override
    public NDArray forward(NDArray tokens, NDArray keyMask, KvCache cache, boolean training) {
        NDArray logits = model.forward(tokens, keyMask, cache, training); // (B, T, V)
        NDArray mask = logits.getManager().create(bias, new Shape(1, 1, bias.length));
        return logits.add(mask);
    }

    @Override
    public NDArray positionLogits(NDArray tokens, NDArray keyMask, boolean training, long from, long to) {
        NDArray logits = model.positionLogits(tokens, keyMask, training, from, to); // (B, to − from, V)
        NDArray mask = logits.getManager().create(bias, new Shape(1, 1, bias.length));
        return logits.add(mask);
    }

    @Override
    public NDArray nextTokenLogits(NDArray tokens, NDArray keyMask, KvCache cache) {
        NDArray logits = model.nextTokenLogits(tokens, keyMask, cache); // (B, V)
        NDArray mask = logits.getManager().create(bias, new Shape(1, bias.length));
        return logits.add(mask);
    }
}
