package io.sppo4j.model.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LengthControlledWinRateTest {

    private static final int PROMPTS = 400;

    @Test
    void aJudgeThatPrefersLengthRaisesTheRawWinRateButNotTheLengthControlledOne() {
        double previousRaw = 0;
        for (int shift : new int[] {0, 120, 240}) {
            Random random = new Random(7);
            int[] reference = new int[PROMPTS];
            int[] policy = new int[PROMPTS];
            double[] p = new double[PROMPTS];
            for (int i = 0; i < PROMPTS; i++) {
                reference[i] = 200 + random.nextInt(400);
                policy[i] = Math.max(1, reference[i] + shift + (int) (150 * random.nextGaussian()));
                // Equal quality: only the length difference moves the verdict.
                p[i] = sigmoid(2 * Math.tanh((policy[i] - reference[i]) / 150.0));
            }
            double raw = WinRate.of(p).mean();
            LengthControlledWinRate lc = LengthControlledWinRate.of(new LengthControlledWinRate.Outcomes(p, policy, reference), 3);
            assertTrue(raw > previousRaw + 0.05 || shift == 0, "raw win rate at shift " + shift + ": " + raw);
            assertEquals(0.5, lc.value(), 0.05, "length-controlled win rate at shift " + shift + " (raw " + raw + ")");
            assertTrue(lc.lengthCoefficient() > 1, "the judge's taste for length is found: φ = " + lc.lengthCoefficient());
            assertTrue(lc.low() <= lc.value() && lc.value() <= lc.high(), lc.toString());
            previousRaw = raw;
        }
        assertTrue(previousRaw > 0.75, "the longest policy's raw win rate " + previousRaw);
    }

    @Test
    void aJudgeOfQualityAloneGivesTheRawWinRateWithinItsInterval() {
        Random random = new Random(11);
        int[] reference = new int[PROMPTS];
        int[] policy = new int[PROMPTS];
        double[] p = new double[PROMPTS];
        for (int i = 0; i < PROMPTS; i++) {
            reference[i] = 100 + random.nextInt(500);
            policy[i] = 100 + random.nextInt(500);
            p[i] = random.nextDouble() < 0.7 ? 0.85 : 0.3; // better 70% of the time, whatever the length
        }
        double raw = WinRate.of(p).mean();
        LengthControlledWinRate lc = LengthControlledWinRate.of(new LengthControlledWinRate.Outcomes(p, policy, reference), 5);
        assertTrue(lc.low() <= raw && raw <= lc.high(), "raw " + raw + " outside " + lc);
        assertEquals(raw, lc.value(), 0.02);
        assertTrue(Math.abs(lc.lengthCoefficient()) < 0.2, "no length effect: φ = " + lc.lengthCoefficient());
        assertTrue(lc.high() - lc.low() < 0.1 && lc.high() - lc.low() > 0.01, "interval " + lc);
    }

    @Test
    void severalPoliciesShareAPerInstructionDifficulty() {
        Random random = new Random(13);
        double[] hardness = new double[PROMPTS];
        for (int x = 0; x < PROMPTS; x++) {
            hardness[x] = 1.5 * random.nextGaussian();
        }
        // Six policies, so that no one policy's own length effect weighs much in the shared difficulty.
        double[] quality = {-0.6, 0.0, 0.7, 0.3, -0.2, 0.1};
        int[] shift = {0, 150, -120, 60, -60, 0};
        int[] reference = new int[PROMPTS];
        for (int x = 0; x < PROMPTS; x++) {
            reference[x] = 200 + random.nextInt(400);
        }
        List<LengthControlledWinRate.Outcomes> policies = new ArrayList<>();
        double[] truth = new double[quality.length];
        double[] raw = new double[quality.length];
        for (int m = 0; m < quality.length; m++) {
            int[] lengths = new int[PROMPTS];
            double[] p = new double[PROMPTS];
            for (int x = 0; x < PROMPTS; x++) {
                lengths[x] = Math.max(1, reference[x] + shift[m] + (int) (150 * random.nextGaussian()));
                p[x] = sigmoid(quality[m] + hardness[x] + 1.5 * Math.tanh((lengths[x] - reference[x]) / 150.0));
                truth[m] += sigmoid(quality[m] + hardness[x]) / PROMPTS;
            }
            raw[m] = WinRate.of(p).mean();
            policies.add(new LengthControlledWinRate.Outcomes(p, lengths, reference));
        }
        List<LengthControlledWinRate> lc = LengthControlledWinRate.of(policies, 17, 200);
        StringBuilder report = new StringBuilder();
        for (int m = 0; m < quality.length; m++) {
            report.append(String.format("%n policy %d: truth %.3f raw %.3f lc %.3f", m, truth[m], raw[m], lc.get(m).value()));
        }
        for (int m = 0; m < quality.length; m++) {
            assertEquals(truth[m], lc.get(m).value(), 0.04, "policy " + m + report);
            assertTrue(lc.get(m).instructionCoefficient() > 0.3, "difficulty is used: ψ = " + lc.get(m).instructionCoefficient());
        }
        // The long policy's raw win rate overstates it, the short one's understates it; the GLM corrects both.
        assertTrue(raw[1] - truth[1] > 0.08 && truth[2] - raw[2] > 0.05, "raw " + raw[1] + ", " + raw[2]);
    }

    @Test
    void theRegressionRecoversKnownCoefficientsAndL1ZeroesWhatItShould() {
        Random random = new Random(19);
        int n = 2000;
        double[][] x = new double[n][3];
        double[] p = new double[n];
        double[] w = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = new double[] {1, random.nextGaussian(), random.nextGaussian()};
            p[i] = sigmoid(0.4 + 1.2 * x[i][1]); // the third feature is noise
            w[i] = 1;
        }
        double[] beta = SoftLogisticRegression.fit(x, p, w, 1e4);
        assertEquals(0.4, beta[0], 1e-3);
        assertEquals(1.2, beta[1], 1e-3);
        assertEquals(0.0, beta[2], 1e-3);
        // Intercept only: σ(θ) is exactly the mean soft label (the score equation), up to the tiny penalty.
        double[][] ones = new double[n][] ;
        for (int i = 0; i < n; i++) {
            ones[i] = new double[] {1};
        }
        assertEquals(WinRate.of(p).mean(), SoftLogisticRegression.sigmoid(SoftLogisticRegression.fit(ones, p, w, 1e4)[0]), 1e-6);
        // A strong penalty leaves exact zeros.
        double[] shrunk = SoftLogisticRegression.fit(x, p, w, 1e-4);
        assertEquals(0.0, shrunk[2], 0.0);
        assertEquals(0.0, shrunk[0], 0.0);
        assertTrue(SoftLogisticRegression.crossValidatedC(x, p, w, SoftLogisticRegression.DEFAULT_CS, 5) >= 1,
                "clean data: cross-validation keeps the penalty weak");
    }

    @Test
    void badInputIsRefused() {
        assertThrows(IllegalArgumentException.class,
                () -> new LengthControlledWinRate.Outcomes(new double[] {0.5, 1.2}, new int[] {1, 2}, new int[] {1, 2}));
        assertThrows(IllegalArgumentException.class,
                () -> new LengthControlledWinRate.Outcomes(new double[] {0.5}, new int[] {1, 2}, new int[] {1, 2}));
        assertThrows(IllegalArgumentException.class, () -> LengthControlledWinRate.of(
                new LengthControlledWinRate.Outcomes(new double[] {0.5}, new int[] {1}, new int[] {1}), 1));
    }

    private static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }
}
