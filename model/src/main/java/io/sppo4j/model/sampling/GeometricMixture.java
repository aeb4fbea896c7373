package io.sppo4j.model.sampling;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * The geometric mixture π_mix(y|x) ∝ π_θ(y|x)^(1−α) · π_ref(y|x)^α, drawn token by token from
 * the mixed logits (1−α)·logits_θ + α·logits_ref (IPO-MD and Nash-MD sample from it).
 */
public final class GeometricMixture implements LogitsSource {

    private final LogitsSource policy;
    private final LogitsSource reference;
    private final float alpha;

    public GeometricMixture(LogitsSource policy, LogitsSource reference, float alpha) {
        if (!(alpha >= 0f && alpha <= 1f)) {
            throw new IllegalArgumentException("mixture alpha must be in [0, 1], got " + alpha);
        }
        if (policy.vocabSize() != reference.vocabSize()) {
            throw new IllegalArgumentException(
                    "mixture needs one vocabulary: policy has " + policy.vocabSize()
                            + " tokens, reference " + reference.vocabSize());
        }
        this.policy = policy;
        this.reference = reference;
        this.alpha = alpha;
    }

    public float alpha() {
        return alpha;
    }

    @Override
    public int vocabSize() {
        return policy.vocabSize();
    }

    @Override
    public int contextLength() {
        return Math.min(policy.contextLength(), reference.contextLength());
    }

    @Override
    public Device device() {
        return policy.device();
    }

    @Override
    public DecodingSession open(NDManager manager, int batchSize, int capacity, boolean useCache) {
        DecodingSession a = policy.open(manager, batchSize, capacity, useCache);
        DecodingSession b = reference.open(manager, batchSize, capacity, useCache);
        return new DecodingSession() {
            @Override
            public NDArray next(NDArray tokens, NDArray keyMask) {
                NDArray mixed = a.next(tokens, keyMask).mul(1f - alpha); // (B, V)
                return mixed.add(b.next(tokens, keyMask).mul(alpha));
            }

            @Override
            public void close() {
                try (a; b) {
                    // closes both sessions, even if one throws
                }
            }
        };
    }
}
