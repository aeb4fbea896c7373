package io.sppo4j.model.judge.pairrm;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.sppo4j.model.checkpoint.SafeTensors;
import io.sppo4j.model.weights.NamedTensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * DebertaV2PairRM's forward pass in plain Java loops over double arrays, written from the
 * equations of transformers' {@code modeling_deberta_v2.py} and LLM-Blender's {@code pairrm.py},
 * sharing nothing with the DJL implementation (its own bucketing, its own index arithmetic, its
 * own erf): the independent reference the judge's logits are checked against. One unpadded
 * comparison at a time.
 */
final class NaiveDeberta {

    private final Map<String, double[]> weights = new HashMap<>();
    private final int hidden;
    private final int layers;
    private final int heads;
    private final int intermediate;
    private final double eps;
    private final int buckets;
    private final int maxRelative;
    private final int span;
    private final boolean share;
    private final boolean c2p;
    private final boolean p2c;
    private final boolean relative;
    private final int tasks;

    NaiveDeberta(Path directory) throws IOException {
        JsonObject config = JsonParser.parseString(Files.readString(directory.resolve("config.json"))).getAsJsonObject();
        hidden = config.get("hidden_size").getAsInt();
        layers = config.get("num_hidden_layers").getAsInt();
        heads = config.get("num_attention_heads").getAsInt();
        intermediate = config.get("intermediate_size").getAsInt();
        eps = config.get("layer_norm_eps").getAsDouble();
        buckets = config.get("position_buckets").getAsInt();
        int maxRelativeSetting = config.get("max_relative_positions").getAsInt();
        maxRelative = maxRelativeSetting < 1 ? config.get("max_position_embeddings").getAsInt() : maxRelativeSetting;
        span = buckets > 0 ? buckets : maxRelative;
        share = config.get("share_att_key").getAsBoolean();
        Set<String> terms = new HashSet<>();
        JsonArray termArray = config.getAsJsonArray("pos_att_type");
        for (JsonElement term : termArray) {
            terms.add(term.getAsString());
        }
        c2p = terms.contains("c2p");
        p2c = terms.contains("p2c");
        relative = config.get("relative_attention").getAsBoolean();
        tasks = config.get("n_tasks").getAsInt();
        for (NamedTensor tensor : SafeTensors.read(directory.resolve("model.safetensors")).tensors()) {
            float[] values = tensor.toFloats();
            double[] widened = new double[values.length];
            for (int i = 0; i < values.length; i++) {
                widened[i] = values[i];
            }
            weights.put(tensor.name(), widened);
        }
        if (config.get("norm_rel_ebd").getAsString().equals("layer_norm")) {
            String prefix = "pretrained_model.encoder.";
            double[][] rows = rows(weights.get(prefix + "rel_embeddings.weight"), hidden);
            double[] flat = new double[rows.length * hidden];
            for (int r = 0; r < rows.length; r++) {
                System.arraycopy(layerNorm(rows[r], prefix + "LayerNorm"), 0, flat, r * hidden, hidden);
            }
            weights.put("relative", flat);
        } else {
            weights.put("relative", weights.get("pretrained_model.encoder.rel_embeddings.weight"));
        }
    }

    /** The logit that the candidate at {@code candidate1} beats the one at {@code candidate2}. */
    double logit(int[] ids, int source, int candidate1, int candidate2) {
        double[][] h = hidden(ids);
        double[] left = head(h[source], h[candidate1]);
        double[] right = head(h[source], h[candidate2]);
        double sum = 0;
        for (int t = 0; t < tasks; t++) {
            sum += left[t] - right[t];
        }
        return sum / tasks;
    }

    /** DeBERTa's log bucket, from the formula: |d| ≤ mid stays, beyond it grows with log|d|. */
    static long bucket(long d, int buckets, int maxPosition) {
        if (buckets <= 0) {
            return d;
        }
        int mid = buckets / 2;
        if (Math.abs(d) <= mid) {
            return d;
        }
        double logPosition = Math.ceil(Math.log(Math.abs(d) / (double) mid)
                / Math.log((maxPosition - 1) / (double) mid) * (mid - 1)) + mid;
        return (long) (d < 0 ? -logPosition : logPosition);
    }

    private double[][] hidden(int[] ids) {
        int steps = ids.length;
        double[] table = weights.get("pretrained_model.embeddings.word_embeddings.weight");
        double[][] x = new double[steps][];
        for (int t = 0; t < steps; t++) {
            double[] row = new double[hidden];
            System.arraycopy(table, ids[t] * hidden, row, 0, hidden);
            x[t] = layerNorm(row, "pretrained_model.embeddings.LayerNorm");
        }
        for (int layer = 0; layer < layers; layer++) {
            x = layer(x, "pretrained_model.encoder.layer." + layer + ".");
        }
        return x;
    }

    private double[][] layer(double[][] x, String p) {
        int steps = x.length;
        int headDim = hidden / heads;
        String a = p + "attention.self.";
        double[][] q = linear(x, a + "query_proj");
        double[][] k = linear(x, a + "key_proj");
        double[][] v = linear(x, a + "value_proj");
        double[][] embeddings = rows(weights.get("relative"), hidden);
        double[][] relativeKeys = relative && c2p ? linear(embeddings, share ? a + "key_proj" : a + "pos_key_proj") : null;
        double[][] relativeQueries = relative && p2c
                ? linear(embeddings, share ? a + "query_proj" : a + "pos_query_proj") : null;
        double scale = Math.sqrt(headDim * (1.0 + (relative && c2p ? 1 : 0) + (relative && p2c ? 1 : 0)));
        double[][] context = new double[steps][hidden];
        for (int h = 0; h < heads; h++) {
            int o = h * headDim;
            for (int i = 0; i < steps; i++) {
                double[] score = new double[steps];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < steps; j++) {
                    double s = dot(q[i], k[j], o, headDim);
                    if (relativeKeys != null) {
                        s += dot(q[i], relativeKeys[clamp(bucket(i - j, buckets, maxRelative) + span)], o, headDim);
                    }
                    if (relativeQueries != null) {
                        // transformers gathers p2c at -r_pos[j][i] and transposes back to (i, j).
                        s += dot(k[j], relativeQueries[clamp(-bucket(j - i, buckets, maxRelative) + span)], o, headDim);
                    }
                    score[j] = s / scale;
                    max = Math.max(max, score[j]);
                }
                double total = 0;
                for (int j = 0; j < steps; j++) {
                    score[j] = Math.exp(score[j] - max);
                    total += score[j];
                }
                for (int j = 0; j < steps; j++) {
                    for (int c = 0; c < headDim; c++) {
                        context[i][o + c] += score[j] / total * v[j][o + c];
                    }
                }
            }
        }
        double[][] attention = linear(context, p + "attention.output.dense");
        double[][] out = new double[steps][];
        for (int t = 0; t < steps; t++) {
            double[] attended = layerNorm(add(attention[t], x[t]), p + "attention.output.LayerNorm");
            double[] inner = linear(new double[][] {attended}, p + "intermediate.dense")[0];
            for (int c = 0; c < inner.length; c++) {
                inner[c] = inner[c] * 0.5 * (1 + erf(inner[c] / Math.sqrt(2)));
            }
            out[t] = layerNorm(add(linear(new double[][] {inner}, p + "output.dense")[0], attended), p + "output.LayerNorm");
        }
        return out;
    }

    private double[] head(double[] source, double[] candidate) {
        double[] joined = new double[2 * hidden];
        System.arraycopy(source, 0, joined, 0, hidden);
        System.arraycopy(candidate, 0, joined, hidden, hidden);
        double[] inner = linear(new double[][] {joined}, "head_layer.1")[0];
        for (int c = 0; c < inner.length; c++) {
            inner[c] = Math.tanh(inner[c]);
        }
        return linear(new double[][] {inner}, "head_layer.4")[0];
    }

    private int clamp(long index) {
        return (int) Math.max(0, Math.min(2L * span - 1, index));
    }

    /** x·Wᵀ + b for a torch Linear named {@code name}; the output width comes from the bias. */
    private double[][] linear(double[][] x, String name) {
        double[] w = weights.get(name + ".weight");
        double[] b = weights.get(name + ".bias");
        int out = b.length;
        int in = w.length / out;
        double[][] y = new double[x.length][out];
        for (int t = 0; t < x.length; t++) {
            for (int r = 0; r < out; r++) {
                double sum = b[r];
                for (int c = 0; c < in; c++) {
                    sum += w[r * in + c] * x[t][c];
                }
                y[t][r] = sum;
            }
        }
        return y;
    }

    private double[] layerNorm(double[] x, String name) {
        double mean = 0;
        for (double value : x) {
            mean += value;
        }
        mean /= x.length;
        double variance = 0;
        for (double value : x) {
            variance += (value - mean) * (value - mean);
        }
        variance /= x.length;
        double[] gamma = weights.get(name + ".weight");
        double[] beta = weights.get(name + ".bias");
        double[] y = new double[x.length];
        for (int c = 0; c < x.length; c++) {
            y[c] = (x[c] - mean) / Math.sqrt(variance + eps) * gamma[c] + beta[c];
        }
        return y;
    }

    private static double[][] rows(double[] flat, int width) {
        double[][] rows = new double[flat.length / width][width];
        for (int r = 0; r < rows.length; r++) {
            System.arraycopy(flat, r * width, rows[r], 0, width);
        }
        return rows;
    }

    private static double dot(double[] a, double[] b, int offset, int length) {
        double sum = 0;
        for (int c = offset; c < offset + length; c++) {
            sum += a[c] * b[c];
        }
        return sum;
    }

    private static double[] add(double[] a, double[] b) {
        double[] sum = new double[a.length];
        for (int c = 0; c < a.length; c++) {
            sum[c] = a[c] + b[c];
        }
        return sum;
    }

    /** erf by its Maclaurin series near 0 and a continued fraction for erfc further out (|error| < 1e-12). */
    static double erf(double x) {
        double z = Math.abs(x);
        double result;
        if (z < 2.5) {
            double term = z;
            double sum = z;
            for (int n = 1; n < 200 && Math.abs(term) > 1e-17; n++) {
                term *= -z * z / n;
                sum += term / (2 * n + 1);
            }
            result = 2 / Math.sqrt(Math.PI) * sum;
        } else {
            double fraction = 0;
            for (int n = 60; n >= 1; n--) {
                fraction = n / 2.0 / (z + fraction);
            }
            result = 1 - Math.exp(-z * z) / Math.sqrt(Math.PI) / (z + fraction);
        }
        return x < 0 ? -result : result;
    }
}
