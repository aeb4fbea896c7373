package io.sppo4j.model.hf;

import com.google.gson.JsonObject;

/**
 * Llama-family and GPT-2 forward passes in plain Java loops over float arrays, written from the
 * transformers modelling code's equations and sharing nothing with the DJL implementation: the
 * independent reference its logits are checked against. One unpadded sequence at positions 0..T-1.
 */
final class NaiveReference {

    private final TinyHfModels.Fixture fixture;
    private final JsonObject config;

    NaiveReference(TinyHfModels.Fixture fixture) {
        this.fixture = fixture;
        this.config = fixture.config();
    }

    /** (T, V) next-token logits of a causal model. */
    float[][] logits(int[] ids) {
        boolean gpt2 = isGpt2();
        float[][] hidden = gpt2 ? gpt2Hidden(ids) : llamaHidden(ids);
        boolean tied = config.has("tie_word_embeddings") ? config.get("tie_word_embeddings").getAsBoolean() : gpt2;
        String head = tied ? (gpt2 ? gpt2Prefix() + "wte.weight" : "model.embed_tokens.weight") : "lm_head.weight";
        return linear(hidden, fixture.get(head), null, TinyHfModels.VOCAB);
    }

    /** The reward of a sequence: the score head at its last token. */
    float reward(int[] ids) {
        float[][] hidden = isGpt2() ? gpt2Hidden(ids) : llamaHidden(ids);
        return linear(new float[][] {hidden[ids.length - 1]}, fixture.get("score.weight"), null, 1)[0][0];
    }

    private boolean isGpt2() {
        return config.has("n_embd");
    }

    // ---------------------------------------------------------------- Llama, Qwen2, Mistral

    private float[][] llamaHidden(int[] ids) {
        int d = TinyHfModels.HIDDEN;
        int heads = config.get("num_attention_heads").getAsInt();
        int kvHeads = config.get("num_key_value_heads").getAsInt();
        int headDim = d / heads;
        double eps = config.get("rms_norm_eps").getAsDouble();
        boolean qkvBias = config.get("model_type").getAsString().equals("qwen2");
        double[] inverseFrequencies = inverseFrequencies(headDim);
        float[][] x = embed(ids, fixture.get("model.embed_tokens.weight"), d);
        for (int layer = 0; layer < TinyHfModels.LAYERS; layer++) {
            String p = "model.layers." + layer + ".";
            float[][] h = rmsNorm(x, fixture.get(p + "input_layernorm.weight"), eps);
            float[][] q = linear(h, fixture.get(p + "self_attn.q_proj.weight"),
                    qkvBias ? fixture.get(p + "self_attn.q_proj.bias") : null, heads * headDim);
            float[][] k = linear(h, fixture.get(p + "self_attn.k_proj.weight"),
                    qkvBias ? fixture.get(p + "self_attn.k_proj.bias") : null, kvHeads * headDim);
            float[][] v = linear(h, fixture.get(p + "self_attn.v_proj.weight"),
                    qkvBias ? fixture.get(p + "self_attn.v_proj.bias") : null, kvHeads * headDim);
            rotate(q, heads, headDim, inverseFrequencies);
            rotate(k, kvHeads, headDim, inverseFrequencies);
            float[][] attended = attend(q, k, v, heads, kvHeads, headDim);
            add(x, linear(attended, fixture.get(p + "self_attn.o_proj.weight"), null, d));
            float[][] m = rmsNorm(x, fixture.get(p + "post_attention_layernorm.weight"), eps);
            float[][] gate = linear(m, fixture.get(p + "mlp.gate_proj.weight"), null, TinyHfModels.INTERMEDIATE);
            float[][] up = linear(m, fixture.get(p + "mlp.up_proj.weight"), null, TinyHfModels.INTERMEDIATE);
            for (int t = 0; t < gate.length; t++) {
                for (int j = 0; j < gate[t].length; j++) {
                    double g = gate[t][j];
                    gate[t][j] = (float) (g / (1 + Math.exp(-g)) * up[t][j]);
                }
            }
            add(x, linear(gate, fixture.get(p + "mlp.down_proj.weight"), null, d));
        }
        return rmsNorm(x, fixture.get("model.norm.weight"), eps);
    }

    /** θ^(-2i/d), divided by the factor under linear rope scaling. */
    private double[] inverseFrequencies(int headDim) {
        double theta = config.get("rope_theta").getAsDouble();
        double factor = 1;
        if (config.has("rope_scaling") && config.get("rope_scaling").isJsonObject()) {
            JsonObject scaling = config.getAsJsonObject("rope_scaling");
            if (!scaling.get("rope_type").getAsString().equals("linear")) {
                throw new IllegalArgumentException("the naive reference knows linear rope scaling only");
            }
            factor = scaling.get("factor").getAsDouble();
        }
        double[] frequencies = new double[headDim / 2];
        for (int i = 0; i < frequencies.length; i++) {
            frequencies[i] = Math.pow(theta, -2.0 * i / headDim) / factor;
        }
        return frequencies;
    }

    /** Rotates each head's halves (x1, x2) by angle t·f_i: (x1 cos − x2 sin, x2 cos + x1 sin). */
    private static void rotate(float[][] x, int heads, int headDim, double[] frequencies) {
        int half = headDim / 2;
        for (int t = 0; t < x.length; t++) {
            for (int head = 0; head < heads; head++) {
                int base = head * headDim;
                for (int i = 0; i < half; i++) {
                    double angle = t * (double) (float) frequencies[i];
                    double x1 = x[t][base + i];
                    double x2 = x[t][base + half + i];
                    x[t][base + i] = (float) (x1 * Math.cos(angle) - x2 * Math.sin(angle));
                    x[t][base + half + i] = (float) (x2 * Math.cos(angle) + x1 * Math.sin(angle));
                }
            }
        }
    }

    private static float[][] rmsNorm(float[][] x, float[] weight, double eps) {
        float[][] out = new float[x.length][x[0].length];
        for (int t = 0; t < x.length; t++) {
            double sum = 0;
            for (float value : x[t]) {
                sum += (double) value * value;
            }
            double inverse = 1 / Math.sqrt(sum / x[t].length + eps);
            for (int j = 0; j < x[t].length; j++) {
                out[t][j] = (float) (x[t][j] * inverse * weight[j]);
            }
        }
        return out;
    }

    // ---------------------------------------------------------------- GPT-2

    private float[][] gpt2Hidden(int[] ids) {
        int d = TinyHfModels.HIDDEN;
        int heads = config.get("n_head").getAsInt();
        int headDim = d / heads;
        double eps = config.get("layer_norm_epsilon").getAsDouble();
        String prefix = gpt2Prefix();
        float[][] x = embed(ids, fixture.get(prefix + "wte.weight"), d);
        float[] positions = fixture.get(prefix + "wpe.weight");
        for (int t = 0; t < ids.length; t++) {
            for (int j = 0; j < d; j++) {
                x[t][j] += positions[t * d + j];
            }
        }
        for (int layer = 0; layer < TinyHfModels.LAYERS; layer++) {
            String p = prefix + "h." + layer + ".";
            float[][] h = layerNorm(x, fixture.get(p + "ln_1.weight"), fixture.get(p + "ln_1.bias"), eps);
            float[][] qkv = conv1d(h, fixture.get(p + "attn.c_attn.weight"), fixture.get(p + "attn.c_attn.bias"), 3 * d);
            float[][] q = new float[ids.length][d];
            float[][] k = new float[ids.length][d];
            float[][] v = new float[ids.length][d];
            for (int t = 0; t < ids.length; t++) {
                System.arraycopy(qkv[t], 0, q[t], 0, d);
                System.arraycopy(qkv[t], d, k[t], 0, d);
                System.arraycopy(qkv[t], 2 * d, v[t], 0, d);
            }
            float[][] attended = attend(q, k, v, heads, heads, headDim);
            add(x, conv1d(attended, fixture.get(p + "attn.c_proj.weight"), fixture.get(p + "attn.c_proj.bias"), d));
            float[][] m = layerNorm(x, fixture.get(p + "ln_2.weight"), fixture.get(p + "ln_2.bias"), eps);
            float[][] inner = conv1d(m, fixture.get(p + "mlp.c_fc.weight"), fixture.get(p + "mlp.c_fc.bias"), 4 * d);
            boolean exact = config.has("activation_function") && config.get("activation_function").getAsString().equals("gelu");
            for (float[] row : inner) {
                for (int j = 0; j < row.length; j++) {
                    double z = row[j];
                    row[j] = (float) (exact ? 0.5 * z * (1 + erf(z / Math.sqrt(2)))
                            : 0.5 * z * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (z + 0.044715 * z * z * z))));
                }
            }
            add(x, conv1d(inner, fixture.get(p + "mlp.c_proj.weight"), fixture.get(p + "mlp.c_proj.bias"), d));
        }
        return layerNorm(x, fixture.get(prefix + "ln_f.weight"), fixture.get(prefix + "ln_f.bias"), eps);
    }

    /** The error function by Abramowitz &amp; Stegun 7.1.26 (absolute error below 1.5e-7). */
    private static double erf(double x) {
        double t = 1 / (1 + 0.3275911 * Math.abs(x));
        double poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
        double value = 1 - poly * Math.exp(-x * x);
        return x >= 0 ? value : -value;
    }

    /** GPT-2's hub files name the bare decoder's tensors; transformers' saves prefix them. */
    private String gpt2Prefix() {
        return fixture.values().containsKey("wte.weight") ? "" : "transformer.";
    }

    private static float[][] layerNorm(float[][] x, float[] weight, float[] bias, double eps) {
        float[][] out = new float[x.length][x[0].length];
        for (int t = 0; t < x.length; t++) {
            double mean = 0;
            for (float value : x[t]) {
                mean += value;
            }
            mean /= x[t].length;
            double variance = 0;
            for (float value : x[t]) {
                variance += (value - mean) * (value - mean);
            }
            variance /= x[t].length;
            for (int j = 0; j < x[t].length; j++) {
                out[t][j] = (float) ((x[t][j] - mean) / Math.sqrt(variance + eps) * weight[j] + bias[j]);
            }
        }
        return out;
    }

    /** x·W + b with W stored (in, out), GPT-2's Conv1D. */
    private static float[][] conv1d(float[][] x, float[] weight, float[] bias, int out) {
        float[][] y = new float[x.length][out];
        int in = x[0].length;
        for (int t = 0; t < x.length; t++) {
            for (int o = 0; o < out; o++) {
                double sum = bias[o];
                for (int i = 0; i < in; i++) {
                    sum += (double) x[t][i] * weight[i * out + o];
                }
                y[t][o] = (float) sum;
            }
        }
        return y;
    }

    // ---------------------------------------------------------------- shared

    private static float[][] embed(int[] ids, float[] table, int d) {
        float[][] x = new float[ids.length][d];
        for (int t = 0; t < ids.length; t++) {
            System.arraycopy(table, ids[t] * d, x[t], 0, d);
        }
        return x;
    }

    /** x·Wᵀ + b with W stored (out, in), torch's nn.Linear. */
    private static float[][] linear(float[][] x, float[] weight, float[] bias, int out) {
        float[][] y = new float[x.length][out];
        int in = x[0].length;
        for (int t = 0; t < x.length; t++) {
            for (int o = 0; o < out; o++) {
                double sum = bias == null ? 0 : bias[o];
                for (int i = 0; i < in; i++) {
                    sum += (double) x[t][i] * weight[o * in + i];
                }
                y[t][o] = (float) sum;
            }
        }
        return y;
    }

    /** Causal softmax attention; query head h reads key/value head h / (heads / kvHeads). */
    private static float[][] attend(float[][] q, float[][] k, float[][] v, int heads, int kvHeads, int headDim) {
        int steps = q.length;
        int group = heads / kvHeads;
        float[][] out = new float[steps][heads * headDim];
        double scale = 1 / Math.sqrt(headDim);
        for (int head = 0; head < heads; head++) {
            int kvBase = (head / group) * headDim;
            int qBase = head * headDim;
            for (int t = 0; t < steps; t++) {
                double[] weights = new double[t + 1];
                double max = Double.NEGATIVE_INFINITY;
                for (int s = 0; s <= t; s++) {
                    double dot = 0;
                    for (int i = 0; i < headDim; i++) {
                        dot += (double) q[t][qBase + i] * k[s][kvBase + i];
                    }
                    weights[s] = dot * scale;
                    max = Math.max(max, weights[s]);
                }
                double total = 0;
                for (int s = 0; s <= t; s++) {
                    weights[s] = Math.exp(weights[s] - max);
                    total += weights[s];
                }
                for (int i = 0; i < headDim; i++) {
                    double sum = 0;
                    for (int s = 0; s <= t; s++) {
                        sum += weights[s] / total * v[s][kvBase + i];
                    }
                    out[t][qBase + i] = (float) sum;
                }
            }
        }
        return out;
    }

    private static void add(float[][] x, float[][] delta) {
        for (int t = 0; t < x.length; t++) {
            for (int j = 0; j < x[t].length; j++) {
                x[t][j] += delta[t][j];
            }
        }
    }
}
