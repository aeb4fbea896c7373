package io.sppo4j.model.policy;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;

/**
 * Builds a role's own copy of the policy architecture; weights then come from a snapshot or a
 * checkpoint. Every role that holds a policy (learner, rollout, evaluator) gets one.
 */
@FunctionalInterface
public interface PolicyFactory {

    /** A new model whose parameters live on {@code device} under a child of {@code parent}. */
    LanguageModel create(NDManager parent, Device device);

    /** The built-in transformer with the given shape; the seed only matters before weights are loaded. */
    static PolicyFactory transformer(PolicyConfig config, long seed) {
        return (parent, device) -> TransformerPolicy.create(config, seed, parent, device);
    }
}
