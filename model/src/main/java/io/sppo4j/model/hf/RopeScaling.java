package io.sppo4j.model.hf;

import io.sppo4j.model.decoder.RotaryEmbedding;

import java.util.Locale;

/**
 * The rotary position embedding a Llama-family {@code config.json} asks for: inverse
 * frequencies {@code θ^(-2i/d)} from {@code rope_theta}, optionally rescaled by
 * {@code rope_scaling} ({@code linear} or {@code llama3}).
 */
final class RopeScaling {

    private RopeScaling() {}

    /**
     * Reads {@code rope_theta} and {@code rope_scaling} (newer configs: {@code rope_parameters});
     * a scaling type other than {@code default}, {@code linear} or {@code llama3} fails naming it.
     */
    static RotaryEmbedding from(ConfigJson config, int headDim) {
        ConfigJson parameters = config.optionalObject("rope_parameters");
        ConfigJson scaling = parameters != null ? parameters : config.optionalObject("rope_scaling");
        double theta = parameters != null && parameters.has("rope_theta")
                ? parameters.requiredDouble("rope_theta")
                : config.optionalDouble("rope_theta", 10_000.0);
        double[] base = baseFrequencies(theta, headDim);
        if (scaling == null) {
            return of(base);
        }
        String type = scaling.has("rope_type") ? scaling.requiredString("rope_type") : scaling.optionalString("type", "default");
        return switch (type.toLowerCase(Locale.ROOT)) {
            case "default" -> of(base);
            case "linear" -> of(linear(base, scaling.requiredDouble("factor")));
            case "llama3" -> of(llama3(
                    base,
                    scaling.requiredDouble("factor"),
                    scaling.requiredDouble("low_freq_factor"),
                    scaling.requiredDouble("high_freq_factor"),
                    scaling.requiredDouble("original_max_position_embeddings")));
            default -> throw scaling.invalid(scaling.has("rope_type") ? "rope_type" : "type",
                    "unsupported rope scaling type '" + type + "' (supported: default, linear, llama3)");
        };
    }

    /** {@code θ^(-2i/d)} for i in [0, d/2). */
    static double[] baseFrequencies(double theta, int headDim) {
        double[] frequencies = new double[headDim / 2];
        for (int i = 0; i < frequencies.length; i++) {
            frequencies[i] = 1.0 / Math.pow(theta, 2.0 * i / headDim);
        }
        return frequencies;
    }

    /** Position interpolation: every frequency divided by the factor (positions stretched). */
    static double[] linear(double[] base, double factor) {
        double[] scaled = new double[base.length];
        for (int i = 0; i < base.length; i++) {
            scaled[i] = base[i] / factor;
        }
        return scaled;
    }

    /**
     * Llama 3.1's scaling: wavelengths shorter than {@code original / high_freq_factor} keep
     * their frequency, longer than {@code original / low_freq_factor} are divided by the factor,
     * and those between blend the two linearly in {@code original / wavelength}.
     */
    static double[] llama3(double[] base, double factor, double lowFreqFactor, double highFreqFactor, double original) {
        double lowFreqWavelength = original / lowFreqFactor;
        double highFreqWavelength = original / highFreqFactor;
        double[] scaled = new double[base.length];
        for (int i = 0; i < base.length; i++) {
            double wavelength = 2 * Math.PI / base[i];
            if (wavelength < highFreqWavelength) {
                scaled[i] = base[i];
            } else if (wavelength > lowFreqWavelength) {
                scaled[i] = base[i] / factor;
            } else {
                double smooth = (original / wavelength - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
                scaled[i] = (1 - smooth) * base[i] / factor + smooth * base[i];
            }
        }
        return scaled;
    }

    private static RotaryEmbedding of(double[] frequencies) {
        float[] single = new float[frequencies.length];
        for (int i = 0; i < single.length; i++) {
            single[i] = (float) frequencies[i];
        }
        return new RotaryEmbedding(single);
    }
}
