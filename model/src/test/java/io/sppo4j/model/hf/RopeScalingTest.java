package io.sppo4j.model.hf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Inverse frequencies under rope scaling, against the formulas as Meta's Llama 3.1 release states them. */
class RopeScalingTest {

    /** Llama 3.1 8B's rope settings. */
    private static final String LLAMA_31 = """
            {"rope_theta": 500000.0, "rope_scaling": {"rope_type": "llama3", "factor": 8.0,
              "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 8192}}""";

    @Test
    void llama3ScalingKeepsHighFrequenciesDividesLowOnesAndBlendsBetween() {
        int headDim = 128;
        float[] scaled = config(LLAMA_31, headDim).inverseFrequencies();
        double lowFreqWavelength = 8192 / 1.0;
        double highFreqWavelength = 8192 / 4.0;
        int high = 0;
        int low = 0;
        int blended = 0;
        for (int i = 0; i < headDim / 2; i++) {
            double base = Math.pow(500000.0, -2.0 * i / headDim);
            double wavelength = 2 * Math.PI / base;
            double expected;
            if (wavelength < highFreqWavelength) {
                expected = base;
                high++;
            } else if (wavelength > lowFreqWavelength) {
                expected = base / 8.0;
                low++;
            } else {
                double smooth = (8192 / wavelength - 1.0) / (4.0 - 1.0);
                expected = (1 - smooth) * base / 8.0 + smooth * base;
                blended++;
            }
            assertEquals(expected, scaled[i], Math.ulp((float) expected) * 2, "frequency " + i);
        }
        assertTrue(high > 0 && low > 0 && blended > 0, "all three regimes occur: " + high + "/" + blended + "/" + low);
    }

    @Test
    void linearScalingDividesEveryFrequencyAndDefaultChangesNothing() {
        float[] plain = config("{\"rope_theta\": 10000.0}").inverseFrequencies();
        float[] linear = config("{\"rope_theta\": 10000.0, \"rope_scaling\": {\"type\": \"linear\", \"factor\": 2.0}}")
                .inverseFrequencies();
        float[] explicitDefault = config("{\"rope_scaling\": {\"rope_type\": \"default\"}}").inverseFrequencies();
        for (int i = 0; i < plain.length; i++) {
            assertEquals(Math.pow(10000.0, -2.0 * i / 64), plain[i], 1e-7 * plain[i]);
            assertEquals(plain[i] / 2, linear[i], 1e-7 * plain[i]);
            assertEquals(plain[i], explicitDefault[i]);
        }
    }

    @Test
    void newerConfigsNestThetaAndTypeInRopeParameters() {
        float[] nested = config("{\"rope_parameters\": {\"rope_type\": \"linear\", \"factor\": 4.0, \"rope_theta\": 1000.0}}")
                .inverseFrequencies();
        assertEquals(Math.pow(1000.0, -2.0 * 3 / 64) / 4, nested[3], 1e-7 * nested[3]);
    }

    private static io.sppo4j.model.decoder.RotaryEmbedding config(String json) {
        return config(json, 64);
    }

    private static io.sppo4j.model.decoder.RotaryEmbedding config(String json, int headDim) {
        return RopeScaling.from(ConfigJson.parse(json.getBytes(StandardCharsets.UTF_8), Path.of("config.json")), headDim);
    }
}
