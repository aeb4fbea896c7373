package io.sppo4j.model.checkpoint;

import io.sppo4j.model.optim.OptimizerState;
import io.sppo4j.model.policy.ConstrainedModel;
import io.sppo4j.model.policy.LanguageModel;
import io.sppo4j.model.policy.PolicyConfig;
import io.sppo4j.model.policy.TransformerPolicy;
import io.sppo4j.model.weights.ModelParameters;
import io.sppo4j.model.weights.TensorDType;
import io.sppo4j.model.weights.TensorEncoding;
import io.sppo4j.model.weights.TensorSource;
import io.sppo4j.model.weights.TensorSpec;
import io.sppo4j.model.weights.WeightSnapshot;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Everything a learner needs to resume: the policy's shape and weights, the optimiser's state,
 * the counters and the random seed. {@link CheckpointStore} writes and reads it.
 *
 * <p>Weights and optimiser tensors are {@link TensorSource}s, streamed one tensor at a time: a
 * checkpoint being saved reads them from the live model and optimiser (save it before the next
 * step), a loaded one from its files. Neither holds a copy of the model.
 */
public final class Checkpoint {

    private final PolicyConfig policyConfig;
    private final long version;
    private final long step;
    private final TensorSource weights;
    private final Integer weightsChecksum;
    private final OptimizerState optimizer;
    private final long rngSeed;
    private final Map<String, String> extra;

    /**
     * @param policyConfig shape of the policy the weights belong to
     * @param version weight version (what rollouts are labelled with); equals a snapshot's version
     * @param step optimiser steps taken; names the checkpoint directory, so not negative
     * @param weights full-precision (F32) weights: a model's live parameters
     *     ({@link ModelParameters#source}) or a {@link WeightSnapshot}
     * @param optimizer the optimiser's state, or null for a policy that was never trained here
     *     (a reference policy)
     * @param rngSeed seed to restart the learner's random streams from
     * @param extra free-form metadata (task name, run id, ...), kept in insertion order
     */
    public Checkpoint(PolicyConfig policyConfig, long version, long step, TensorSource weights,
            OptimizerState optimizer, long rngSeed, Map<String, String> extra) {
        this(policyConfig, version, step, weights, null, optimizer, rngSeed, extra);
    }

    /** @param weightsChecksum the snapshot checksum of the weights as labelled {@code version}, when known */
    Checkpoint(PolicyConfig policyConfig, long version, long step, TensorSource weights, Integer weightsChecksum,
            OptimizerState optimizer, long rngSeed, Map<String, String> extra) {
        this.policyConfig = Objects.requireNonNull(policyConfig, "policyConfig");
        this.weights = Objects.requireNonNull(weights, "weights");
        Objects.requireNonNull(extra, "extra");
        for (TensorSpec spec : weights.specs()) {
            if (spec.dtype() != TensorDType.F32) {
                // A resumed learner must continue from exactly the weights it stopped at.
                throw new IllegalArgumentException("checkpoint weights must be FP32, got " + spec.dtype()
                        + " for '" + spec.name() + "'");
            }
        }
        if (weights instanceof WeightSnapshot snapshot && snapshot.version() != version) {
            throw new IllegalArgumentException(
                    "checkpoint version " + version + " differs from its weights' version " + snapshot.version());
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
        this.version = version;
        this.step = step;
        this.weightsChecksum = weights instanceof WeightSnapshot snapshot ? Integer.valueOf(snapshot.checksum())
                : weightsChecksum;
        this.optimizer = optimizer;
        this.rngSeed = rngSeed;
        this.extra = Collections.unmodifiableMap(copy);
    }

    /** The policy's live weights with the given counters and state: save it before the policy changes. */
    public static Checkpoint capture(
            TransformerPolicy policy,
            long version,
            long step,
            OptimizerState optimizer,
            long rngSeed,
            Map<String, String> extra) {
        return new Checkpoint(policy.config(), version, step, ModelParameters.source(policy), optimizer, rngSeed, extra);
    }

    public PolicyConfig policyConfig() {
        return policyConfig;
    }

    public long version() {
        return version;
    }

    public long step() {
        return step;
    }

    /** The F32 weights, to be read one tensor at a time. */
    public TensorSource weightSource() {
        return weights;
    }

    /**
     * The weights as a snapshot of their own in native memory, checksum-verified when the
     * checkpoint was read from disk; the caller closes it. Reads the whole model: for handing the
     * weights to other actors, not for restoring one model ({@link #restoreInto} streams).
     *
     * @throws UncheckedIOException if the file cannot be read
     * @throws io.sppo4j.model.weights.CorruptSnapshotException if it no longer matches its checksum
     */
    public WeightSnapshot weights() {
        if (weights instanceof WeightSnapshot snapshot) {
            return snapshot.retain();
        }
        WeightSnapshot copy = WeightSnapshot.copyOf(version, TensorEncoding.FP32, weights, weightsChecksum);
        try {
            copy.verify();
            return copy;
        } catch (RuntimeException e) {
            copy.close();
            throw e;
        }
    }

    public OptimizerState optimizer() {
        return optimizer;
    }

    public long rngSeed() {
        return rngSeed;
    }

    public Map<String, String> extra() {
        return extra;
    }

    /**
     * Loads the weights into {@code model} in place, tensor by tensor (the optimiser restores its
     * own state from {@link #optimizer()}). For a {@link TransformerPolicy} the config is compared
     * first, dropout aside: two configs can share every tensor shape (e.g. different head counts)
     * and still compute different functions.
     *
     * @throws IllegalArgumentException if the config or any tensor does not match the model,
     *     which is then left unchanged
     * @throws UncheckedIOException if reading the weights fails part way (the model is then partly loaded)
     */
    public void restoreInto(LanguageModel model) {
        LanguageModel inner = model instanceof ConstrainedModel constrained ? constrained.unconstrained() : model;
        if (inner instanceof TransformerPolicy policy) {
            PolicyConfig target = policy.config();
            PolicyConfig ignoringDropout = new PolicyConfig(policyConfig.vocabSize(), policyConfig.width(),
                    policyConfig.layers(), policyConfig.heads(), policyConfig.contextLength(), target.dropout());
            if (!ignoringDropout.equals(target)) {
                throw new IllegalArgumentException(
                        "checkpoint of step " + step + " is for " + policyConfig + ", the model is " + target);
            }
        }
        if (weights instanceof WeightSnapshot snapshot) {
            snapshot.verify();
        }
        try {
            ModelParameters.write(model, weights, "checkpoint of step " + step);
        } catch (IOException e) {
            throw new UncheckedIOException("restoring the checkpoint of step " + step + ": " + e.getMessage(), e);
        }
    }

    /** The snapshot checksum of the weights labelled with this version, when known without reading them. */
    Integer weightsChecksum() {
        return weightsChecksum;
    }
}
