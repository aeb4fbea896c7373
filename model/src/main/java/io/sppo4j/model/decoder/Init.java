package io.sppo4j.model.decoder;

/**
 * How a freshly initialised model fills a parameter; a model loaded from disk ignores it.
 *
 * <p>GPT-2's scheme, used for every layout: weights drawn from N(0, 0.02), and the projections
 * that write into the residual stream (attention output, MLP down) from N(0, 0.02/√(2·layers)),
 * so the residual stream's variance does not grow with depth at initialisation. Biases start
 * at 0 and norm scales at 1.
 *
 * @param std the normal's standard deviation, or the uniform's bound; unused by {@link Kind#ZEROS}
 *     and {@link Kind#ONES}
 */
public record Init(Kind kind, double std) {

    /** GPT-2's standard deviation of weights. */
    public static final double STD = 0.02;

    public static final Init ZEROS = new Init(Kind.ZEROS, 0);
    public static final Init ONES = new Init(Kind.ONES, 0);

    public enum Kind {
        NORMAL,
        /** U(−std, std). */
        UNIFORM,
        ZEROS,
        ONES
    }

    /** A weight drawn from N(0, std). */
    public static Init normal(double std) {
        return new Init(Kind.NORMAL, std);
    }

    /**
     * Kaiming-uniform with a = √5, torch's {@code nn.Linear} default and {@code peft}'s for LoRA's
     * A: U(−1/√fanIn, 1/√fanIn).
     */
    public static Init kaimingUniform(long fanIn) {
        return new Init(Kind.UNIFORM, 1.0 / Math.sqrt(fanIn));
    }

    /** A projection writing into the residual stream of a {@code layers}-block decoder. */
    public static Init residual(int layers) {
        return normal(STD / Math.sqrt(2.0 * layers));
    }
}
