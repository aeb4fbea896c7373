package io.sppo4j.model.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import io.sppo4j.model.nd.Autograd;
import io.sppo4j.model.nd.Casts;
import io.sppo4j.model.nd.Scalars;

/**
 * LoRA on one projection: y = W x + (alpha / rank)·B(A x), A (rank, in) and B (out, rank) in
 * float32 whatever the base's type. It can also hold the merged weight W + (alpha / rank)·B·A,
 * which a rollout copy decodes with (one matrix product per projection, the fused pass), and a
 * frozen copy of A and B as they were at the start of training, for the reference policy.
 */
final class LowRankAdapter {

    private final LoraAdapters owner;
    private final Parameter base;
    private final Projection.Layout layout;
    private final Parameter a;
    private final Parameter b;
    /** The starting adapters, for the reference policy; null where the reference is the base itself (B = 0). */
    private NDArray referenceA;
    private NDArray referenceB;
    /** W + scale·B·A in the base's type, or null while not merging. */
    private NDArray merged;

    LowRankAdapter(LoraAdapters owner, Parameter base, Projection.Layout layout, Parameter a, Parameter b) {
        this.owner = owner;
        this.base = base;
        this.layout = layout;
        this.a = a;
        this.b = b;
    }

    String baseName() {
        return base.getName();
    }

    /** The weight matrix a pass multiplies by: merged where merged and the trained adapters apply, else the base. */
    NDArray weight() {
        return merged != null && !owner.referencePass() ? merged : base.getArray();
    }

    /**
     * (alpha / rank)·B(A·dropout(x)) in {@code x}'s type, or null where the weight already holds it
     * (merged) or the pass's adapters are none (the reference where it is the base).
     */
    NDArray delta(NDArray x, boolean training) {
        NDArray down;
        NDArray up;
        if (owner.referencePass()) {
            if (referenceA == null) {
                return null;
            }
            down = referenceA;
            up = referenceB;
        } else {
            if (merged != null) {
                return null;
            }
            down = a.getArray();
            up = b.getArray();
        }
        DataType type = Casts.typeOf(x);
        float rate = owner.config().dropout();
        NDArray in = training && rate > 0f ? Dropout.dropout(x, rate, true).singletonOrThrow() : x;
        NDArray low = Linear.linear(in, Casts.to(down, type, x.getManager())).singletonOrThrow(); // (..., r)
        NDArray out = Linear.linear(low, Casts.to(up, type, x.getManager())).singletonOrThrow(); // (..., out)
        return Scalars.times(out, owner.config().scale());
    }

    /**
     * The weight with the trained adapters folded in, in the checkpoint's layout and the base's
     * type: a new array on the base's manager, which the caller closes.
     */
    NDArray mergedWeight() {
        NDArray w = base.getArray();
        try (Autograd.Scope paused = Autograd.paused(); NDManager scope = w.getManager().newSubManager()) {
            // Views in a scope of their own: every intermediate dies with it, the parameters' managers gain nothing.
            NDArray delta = Scalars.times(view(b.getArray(), scope).matMul(view(a.getArray(), scope)),
                    owner.config().scale()); // (out, in), float32
            NDArray oriented = layout == Projection.Layout.IN_OUT ? delta.transpose() : delta;
            NDArray sum = Casts.to(view(w, scope), DataType.FLOAT32, scope).add(oriented);
            NDArray result = Casts.to(sum, Casts.typeOf(w), scope);
            result.attach(w.getManager());
            return result;
        }
    }

    /** {@code x} as an unnamed view owned by {@code scope}: operations on it put their results there. */
    private static NDArray view(NDArray x, NDManager scope) {
        NDArray view = x.reshape(x.getShape());
        view.attach(scope);
        return view;
    }

    /** Refolds the trained adapters into the decoding weight (after an import). */
    void merge() {
        NDArray next = mergedWeight();
        NDArray previous = merged;
        merged = next;
        if (previous != null) {
            previous.close();
        }
    }

    void unmerge() {
        if (merged != null) {
            merged.close();
            merged = null;
        }
    }

    /** Keeps the trained adapters' values now as the reference's; none where B is zero (the reference is the base). */
    void keepAsReference() {
        dropReference();
        NDManager owning = b.getArray().getManager();
        try (Autograd.Scope paused = Autograd.paused(); NDManager scope = owning.newSubManager()) {
            if (view(b.getArray(), scope).abs().max().getFloat() == 0f) {
                return;
            }
            referenceA = view(a.getArray(), scope).duplicate();
            referenceB = view(b.getArray(), scope).duplicate();
            referenceA.attach(owning);
            referenceB.attach(owning);
        }
    }

    boolean referenceIsBase() {
        return referenceA == null;
    }

    private void dropReference() {
        if (referenceA != null) {
            referenceA.close();
            referenceB.close();
            referenceA = null;
            referenceB = null;
        }
    }
}
