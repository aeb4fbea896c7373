package io.sppo4j.model.optim;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * AdamW in double precision, written from the formulas of torch.optim.AdamW and
 * torch.nn.utils.clip_grad_norm_, independently of the NDArray code: the test oracle.
 * A parameter absent from a step's gradients has gradient zero.
 */
final class ReferenceAdamW {

    record Step(double norm, double scale) {}

    private final AdamWConfig config;
    private final Map<String, double[]> values;
    private final Map<String, long[]> shapes;
    private final List<String> frozen;
    private final Map<String, double[]> first = new HashMap<>();
    private final Map<String, double[]> second = new HashMap<>();
    private int t;

    /**
     * @param values initial parameter values, updated in place
     * @param shapes of the parameters: weight decay applies from two dimensions
     * @param frozen parameters left alone
     */
    ReferenceAdamW(AdamWConfig config, Map<String, double[]> values, Map<String, long[]> shapes, List<String> frozen) {
        this.config = config;
        this.values = values;
        this.shapes = shapes;
        this.frozen = frozen;
    }

    double[] values(String name) {
        return values.get(name);
    }

    Step step(Map<String, float[]> gradients, double learningRate) {
        t++;
        double sumOfSquares = 0;
        for (float[] gradient : gradients.values()) {
            for (float g : gradient) {
                sumOfSquares += (double) g * g;
            }
        }
        double norm = Math.sqrt(sumOfSquares);
        double scale = config.maxGradNorm() > 0 && norm > config.maxGradNorm() ? config.maxGradNorm() / (norm + 1e-6) : 1.0;
        double beta1 = config.beta1();
        double beta2 = config.beta2();
        for (Map.Entry<String, double[]> entry : values.entrySet()) {
            String name = entry.getKey();
            if (frozen.contains(name)) {
                continue;
            }
            double[] theta = entry.getValue();
            float[] gradient = gradients.get(name);
            double[] m = first.computeIfAbsent(name, key -> new double[theta.length]);
            double[] v = second.computeIfAbsent(name, key -> new double[theta.length]);
            boolean decays = shapes.get(name).length >= 2;
            for (int i = 0; i < theta.length; i++) {
                double g = gradient == null ? 0 : gradient[i] * scale;
                if (decays) {
                    theta[i] *= 1 - learningRate * config.weightDecay();
                }
                m[i] = beta1 * m[i] + (1 - beta1) * g;
                v[i] = beta2 * v[i] + (1 - beta2) * g * g;
                double mHat = m[i] / (1 - Math.pow(beta1, t));
                double vHat = v[i] / (1 - Math.pow(beta2, t));
                theta[i] -= learningRate * mHat / (Math.sqrt(vHat) + config.epsilon());
            }
        }
        return new Step(norm, scale);
    }
}
