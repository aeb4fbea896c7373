package io.sppo4j.model.policy;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.sppo4j.model.nd.Precision;

/**
 * Builds a role's own copy of the policy architecture; weights then come from a snapshot or a
 * checkpoint. Every role that holds a policy (learner, rollout, evaluator) gets one, each in the
 * precision it is configured for.
 */
@FunctionalInterface
public interface PolicyFactory {

    /** A new model whose parameters live on {@code device} under a child of {@code parent}, in float32. */
    LanguageModel create(NDManager parent, Device device);

    /**
     * The same models kept and computed in {@code precision}.
     *
     * @throws UnsupportedOperationException from a factory that builds float32 models only
     */
    default PolicyFactory in(Precision precision) {
        if (precision == Precision.FP32) {
            return this;
        }
        throw new UnsupportedOperationException("this policy factory builds float32 models only, not " + precision);
    }

    /** A model built in a given precision. */
    @FunctionalInterface
    interface InPrecision {
        LanguageModel create(NDManager parent, Device device, Precision precision);
    }

    /** A factory for every precision, float32 by default. */
    static PolicyFactory of(InPrecision builder) {
        return of(builder, Precision.FP32);
    }

    private static PolicyFactory of(InPrecision builder, Precision precision) {
        return new PolicyFactory() {
            @Override
            public LanguageModel create(NDManager parent, Device device) {
                return builder.create(parent, device, precision);
            }

            @Override
            public PolicyFactory in(Precision other) {
                return of(builder, other);
            }
        };
    }

    /** Every model of {@code base} restricted to {@code allowedIds} ({@link ConstrainedModel}). */
    static PolicyFactory constrained(PolicyFactory base, int[] allowedIds) {
        int[] ids = allowedIds.clone();
        return new PolicyFactory() {
            @Override
            public LanguageModel create(NDManager parent, Device device) {
                return new ConstrainedModel(base.create(parent, device), ids);
            }

            @Override
            public PolicyFactory in(Precision precision) {
                return constrained(base.in(precision), ids);
            }
        };
    }
}
