package io.sppo4j.model.checkpoint;

import io.sppo4j.model.optim.OptimizerState;
import io.sppo4j.model.hf.HfCausalModel;
import io.sppo4j.model.policy.ConstrainedModel;
import io.sppo4j.model.policy.LanguageModel;
import io.sppo4j.model.policy.PolicyConfig;
import io.sppo4j.model.weights.TensorEncoding;
import io.sppo4j.model.weights.WeightSnapshot;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Everything a learner needs to resume: the policy's shape and weights, the optimiser's state,
 * the counters and the random seed. {@link CheckpointStore} writes and reads it.
 *
 * @param policyConfig shape of the policy the weights belong to
 * @param version weight version (what rollouts are labelled with); equals {@code weights.version()}
 * @param step optimiser steps taken; names the checkpoint directory, so not negative
 * @param weights full-precision ({@link TensorEncoding#FP32}) weights
 * @param optimizer the optimiser's state, or null for a policy that was never trained here
 *     (a reference policy)
 * @param rngSeed seed to restart the learner's random streams from
 * @param extra free-form metadata (task name, run id, ...), kept in insertion order
 */
public record Checkpoint(
        PolicyConfig policyConfig,
        long version,
        long step,
        WeightSnapshot weights,
        OptimizerState optimizer,
        long rngSeed,
        Map<String, String> extra) {

    public Checkpoint {
        Objects.requireNonNull(policyConfig, "policyConfig");
        Objects.requireNonNull(weights, "weights");
        Objects.requireNonNull(extra, "extra");
        if (weights.encoding() != TensorEncoding.FP32) {
            // A resumed learner must continue from exactly the weights it stopped at.
            throw new IllegalArgumentException("checkpoint weights must be FP32, got " + weights.encoding());
        }
        if (weights.version() != version) {
            throw new IllegalArgumentException(
                    "checkpoint version " + version + " differs from its weights' version " + weights.version());
        }
        if (step < 0) {
            throw new IllegalArgumentException("checkpoint step must not be negative, got " + step);
        }
        if (optimizer != null) {
            Objects.requireNonNull(optimizer.algorithm(), "optimizer.algorithm");
        }
        LinkedHashMap<String, String> copy = new LinkedHashMap<>();
        extra.forEach((key, value) -> copy.put(Objects.requireNonNull(key, "extra key"),
                Objects.requireNonNull(value, () -> "extra value of " + key)));
        extra = Collections.unmodifiableMap(copy);
    }

    /** The policy's current weights (exported as FP32) with the given counters and state. */
    public static Checkpoint capture(
            HfCausalModel policy,
            long version,
            long step,
            OptimizerState optimizer,
            long rngSeed,
            Map<String, String> extra) {
        WeightSnapshot weights = WeightSnapshot.export(policy, version, TensorEncoding.FP32);
        return new Checkpoint(policy.shape(), version, step, weights, optimizer, rngSeed, extra);
    }

    /**
     * Loads the weights into {@code model} in place (the optimiser restores its own state from
     * {@link #optimizer()}). For an {@link HfCausalModel} the shape is compared first,
     * dropout aside: two configs can share every tensor shape (e.g. different head counts) and
     * still compute different functions.
     *
     * @throws IllegalArgumentException if the config or any tensor does not match the model,
     *     which is then left unchanged
     */
    public void restoreInto(LanguageModel model) {
        LanguageModel inner = model instanceof ConstrainedModel constrained ? constrained.unconstrained() : model;
        if (inner instanceof HfCausalModel policy) {
            PolicyConfig target = policy.shape();
            PolicyConfig ignoringDropout = new PolicyConfig(policyConfig.vocabSize(), policyConfig.width(),
                    policyConfig.layers(), policyConfig.heads(), policyConfig.contextLength(), target.dropout());
            if (!ignoringDropout.equals(target)) {
                throw new IllegalArgumentException(
                        "checkpoint of step " + step + " is for " + policyConfig + ", the model is " + target);
            }
        }
        weights.importInto(model);
    }
}
