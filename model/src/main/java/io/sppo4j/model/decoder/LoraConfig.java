package io.sppo4j.model.decoder;

import java.util.List;
import java.util.function.ToLongFunction;

/**
 * Low-rank adapters on a decoder's projections ({@code sppo4j.lora}): W x + (alpha / rank)·B(A x)
 * with A (rank, in) and B (out, rank), as the LoRA paper and {@code peft} define them. Rank 0
 * means no adapters: full fine-tuning.
 *
 * @param targetModules the projections adapted, by their last name ({@code q_proj}, {@code c_attn});
 *     empty for the family's default ({@link #defaultTargets})
 * @param seed draws A (Kaiming-uniform, as {@code peft}); B starts at zero, so step 0 is the base
 * @param mergeForDecoding whether copies that do not train (rollout, evaluator) decode with
 *     W + scale·B·A refolded after each new version, instead of adding B(A x) per pass
 */
public record LoraConfig(int rank, double alpha, float dropout, List<String> targetModules, long seed,
        boolean mergeForDecoding) {

    /** Full fine-tuning. */
    public static final LoraConfig OFF = new LoraConfig(0, 0, 0f, List.of(), 0, false);

    /** Llama, Qwen2 and Mistral: every projection of attention and MLP ({@code peft}'s "all-linear" minus the head). */
    public static final List<String> LLAMA_TARGETS =
            List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");

    /** GPT-2: the fused attention, its output and both MLP projections. */
    public static final List<String> GPT2_TARGETS = List.of("c_attn", "c_proj", "c_fc");

    public LoraConfig {
        if (rank < 0) {
            throw new IllegalArgumentException("sppo4j.lora.rank: must be 0 (off) or positive, got " + rank);
        }
        if (rank > 0 && !(alpha > 0)) {
            throw new IllegalArgumentException("sppo4j.lora.alpha: must be positive, got " + alpha);
        }
        if (!(dropout >= 0f && dropout < 1f)) {
            throw new IllegalArgumentException("sppo4j.lora.dropout: must be in [0, 1), got " + dropout);
        }
        targetModules = List.copyOf(targetModules);
    }

    public boolean enabled() {
        return rank > 0;
    }

    /** alpha / rank, the factor on B·A. */
    public float scale() {
        return (float) (alpha / rank);
    }

    /** The family's default targets when none are configured. */
    public LoraConfig withDefaultTargets(DecoderConfig.Layout layout) {
        if (!targetModules.isEmpty()) {
            return this;
        }
        return new LoraConfig(rank, alpha, dropout, defaultTargets(layout), seed, mergeForDecoding);
    }

    public static List<String> defaultTargets(DecoderConfig.Layout layout) {
        return layout == DecoderConfig.Layout.GPT2 ? GPT2_TARGETS : LLAMA_TARGETS;
    }

    /** A projection of a block as the decoder declares it. */
    private record ProjectionShape(String name, long in, long out) {}

    /**
     * Adapter parameters on {@code decoder}: rank·(in + out) for each targeted projection of each
     * layer (for the memory ledger, before any model is loaded).
     */
    public long parameterCount(DecoderConfig decoder) {
        return overTargets(decoder, projection -> rank * (projection.in() + projection.out()));
    }

    /** Elements of the weights the adapters are on: what a merged copy of them holds. */
    public long adaptedWeightCount(DecoderConfig decoder) {
        return overTargets(decoder, projection -> projection.in() * projection.out());
    }

    private long overTargets(DecoderConfig decoder, ToLongFunction<ProjectionShape> count) {
        if (!enabled()) {
            return 0;
        }
        LoraConfig lora = withDefaultTargets(decoder.layout());
        long d = decoder.hiddenSize();
        long queries = decoder.queryWidth();
        long keysValues = decoder.kvWidth();
        long inner = decoder.intermediateSize();
        List<ProjectionShape> projections = decoder.layout() == DecoderConfig.Layout.GPT2
                ? List.of(new ProjectionShape("c_attn", d, queries + 2 * keysValues), new ProjectionShape("c_proj", queries, d),
                        new ProjectionShape("c_fc", d, inner), new ProjectionShape("c_proj", inner, d))
                : List.of(new ProjectionShape("q_proj", d, queries), new ProjectionShape("k_proj", d, keysValues),
                        new ProjectionShape("v_proj", d, keysValues), new ProjectionShape("o_proj", queries, d),
                        new ProjectionShape("gate_proj", d, inner), new ProjectionShape("up_proj", d, inner),
                        new ProjectionShape("down_proj", inner, d));
        long perLayer = 0;
        for (ProjectionShape projection : projections) {
            if (lora.targets(projection.name())) {
                perLayer += count.applyAsLong(projection);
            }
        }
        return perLayer * decoder.layers();
    }

    /** Whether the projection named {@code name} (e.g. {@code model.layers.0.self_attn.q_proj}) is adapted. */
    public boolean targets(String name) {
        int dot = name.lastIndexOf('.');
        return targetModules.contains(dot < 0 ? name : name.substring(dot + 1));
    }
}
