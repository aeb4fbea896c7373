package io.sppo4j.model.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * A model's low-rank adapters ({@link LoraConfig}): their parameters, which are all a LoRA
 * model trains, snapshots and checkpoints, named as {@code peft} saves them
 * ({@code base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight}); and how passes use
 * them: the trained adapters, or the reference's (the adapters a run started from; none at all
 * when those are zero, so the reference policy is the base with no second copy of it).
 *
 * <p>One thread runs a model's passes (an actor's), so the reference switch is a plain field.
 */
public final class LoraAdapters {

    /** What {@code peft}'s {@code PeftModel} puts before a module's path. */
    public static final String PEFT_PREFIX = "base_model.model.";

    private final LoraConfig config;
    private final SeededParameters source;
    private final List<LowRankAdapter> adapters = new ArrayList<>();
    private boolean referencePass;
    private boolean merging;

    /** @param manager owns the adapters, in float32 whatever the base's type */
    public LoraAdapters(LoraConfig config, NDManager manager) {
        if (!config.enabled()) {
            throw new IllegalArgumentException("LoRA adapters need a positive rank");
        }
        this.config = config;
        this.source = new SeededParameters(manager, DataType.FLOAT32, config.seed());
    }

    public LoraConfig config() {
        return config;
    }

    /** Adds an adapter to the projection {@code name} (its base weight {@code base}, in → out). */
    LowRankAdapter declare(String name, long in, long out, Projection.Layout layout, Parameter base) {
        String prefix = PEFT_PREFIX + name;
        Parameter a = source.declare(prefix + ".lora_A.weight", Init.kaimingUniform(in), config.rank(), in);
        Parameter b = source.declare(prefix + ".lora_B.weight", Init.ZEROS, out, config.rank());
        LowRankAdapter adapter = new LowRankAdapter(this, base, layout, a, b);
        adapters.add(adapter);
        return adapter;
    }

    /** Whether any projection of the model was adapted (a target list that matches nothing is an error). */
    public boolean isEmpty() {
        return adapters.isEmpty();
    }

    /** The adapters' parameters, A then B per projection, in the model's order. */
    public LinkedHashMap<String, Parameter> named() {
        return source.named();
    }

    public void setTrainable(boolean trainable) {
        source.setTrainable(trainable);
    }

    /** Bytes of the adapters (float32). */
    public long bytes() {
        long total = 0;
        for (Parameter parameter : named().values()) {
            total += parameter.getArray().size() * Float.BYTES;
        }
        return total;
    }

    /** The adapters' values now become the reference policy's: call once, after the starting weights are in. */
    public void keepAsReference() {
        adapters.forEach(LowRankAdapter::keepAsReference);
    }

    /** Whether the reference policy is the base alone (the run started from zero B). */
    public boolean referenceIsBase() {
        return adapters.stream().allMatch(LowRankAdapter::referenceIsBase);
    }

    /** Runs {@code pass} with the reference's adapters in place of the trained ones. */
    public <T> T asReference(Supplier<T> pass) {
        boolean previous = referencePass;
        referencePass = true;
        try {
            return pass.get();
        } finally {
            referencePass = previous;
        }
    }

    boolean referencePass() {
        return referencePass;
    }

    /**
     * Whether decoding multiplies by merged weights (W + scale·B·A, refolded after every import:
     * one product per projection, and the fused pass applies) or adds B(A x) to W x per pass.
     */
    public void mergeForDecoding(boolean merge) {
        merging = merge;
        if (merge) {
            adapters.forEach(LowRankAdapter::merge);
        } else {
            adapters.forEach(LowRankAdapter::unmerge);
        }
    }

    public boolean mergesForDecoding() {
        return merging;
    }

    /** New adapter values were written: merged weights follow them. */
    public void adaptersChanged() {
        if (merging) {
            adapters.forEach(LowRankAdapter::merge);
        }
    }

    /** Whether passes now multiply by plain weights only (merged, or the base for a zero reference). */
    boolean plainWeights() {
        if (referencePass) {
            return referenceIsBase();
        }
        return merging;
    }

    /** The names of the weights adapted ({@code model.layers.0.self_attn.q_proj.weight}), in declaration order. */
    public Set<String> baseNames() {
        Set<String> names = new LinkedHashSet<>();
        for (LowRankAdapter adapter : adapters) {
            names.add(adapter.baseName());
        }
        return names;
    }

    /**
     * The weight named {@code baseName} with the trained adapters folded in, as a new array
     * (the caller closes it), or null where no adapter is on it.
     */
    public NDArray mergedWeight(String baseName) {
        for (LowRankAdapter adapter : adapters) {
            if (adapter.baseName().equals(baseName)) {
                return adapter.mergedWeight();
            }
        }
        return null;
    }
}
