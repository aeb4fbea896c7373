package io.sppo4j.model.judge.pairrm;

import io.sppo4j.model.judge.BradleyTerryJudge;
import io.sppo4j.model.judge.PreferenceModel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * PairRM as a judge, scored as the official SPPO scripts score it. Every ordered pair (i, j),
 * i ≠ j, is one comparison with i as candidate 1, giving the logit M_ij that y_i beats y_j
 * (LLM-Blender's {@code _full_predict}); each response's score is
 * {@code s_i = (1/K)·Σ_j (M_ij − M_ji)} (its {@code get_scores_from_cmps}, "max_logits", a mean over
 * all K columns with M_ii = 0), and {@code P_ij = σ(s_i − s_j)} (SPPO's
 * {@code scripts/compute_prob.py}). Both orders enter, which cancels PairRM's position bias.
 *
 * <p>The K(K−1) comparisons of a group go through the encoder in padded batches of
 * {@code batch-size}, longest first so that rows of one batch have similar lengths; each batch
 * computes in a scope that closes. Calls are serialised: one group's activations at a time is
 * what bounds the judge's memory, and one forward pass already uses every core.
 */
public final class PairRmJudge implements PreferenceModel, AutoCloseable {

    private final PairRmModel model;
    private final PairRmTokenizer tokenizer;
    private final PairRmSettings settings;

    private PairRmJudge(PairRmModel model, PairRmTokenizer tokenizer, PairRmSettings settings) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.settings = settings;
    }

    /**
     * Loads the checkpoint and tokenizer of {@code settings.path()}.
     *
     * @throws IllegalArgumentException naming the missing tensor, the unsupported config key, or
     *     the prefix token the tokenizer lacks
     */
    public static PairRmJudge load(PairRmSettings settings) {
        PairRmModel model = null;
        PairRmTokenizer tokenizer = null;
        try {
            model = PairRmModel.load(settings.path(), settings.device(), settings.dtype());
            tokenizer = PairRmTokenizer.load(settings.path());
            tokenizer.requirePrefixIds(model.config());
            return new PairRmJudge(model, tokenizer, settings);
        } catch (IOException e) {
            closeAll(model, tokenizer);
            throw new UncheckedIOException(PairRmSettings.SECTION + ".path: cannot load " + settings.path() + ": "
                    + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeAll(model, tokenizer);
            throw e;
        }
    }

    @Override
    public String name() {
        return "pairrm";
    }

    public PairRmSettings settings() {
        return settings;
    }

    @Override
    public synchronized double[][] preferences(String prompt, List<String> responses) {
        return preferencesFromLogits(comparisons(prompt, responses));
    }

    /** M_ij: the logit that response i, as candidate 1, beats response j as candidate 2; M_ii = 0. */
    synchronized double[][] comparisons(String prompt, List<String> responses) {
        int k = responses.size();
        int[] source = tokenizer.encode(PairRmTokenizer.SOURCE_PREFIX, prompt, settings.maxSourceTokens());
        int candidateLimit = settings.maxCandidateTokens() + (settings.maxSourceTokens() - source.length) / 2;
        int[][] first = new int[k][];
        int[][] second = new int[k][];
        for (int i = 0; i < k; i++) {
            first[i] = tokenizer.encode(PairRmTokenizer.CANDIDATE1_PREFIX, responses.get(i), candidateLimit);
            second[i] = tokenizer.encode(PairRmTokenizer.CANDIDATE2_PREFIX, responses.get(i), candidateLimit);
        }
        List<int[]> pairs = new ArrayList<>(k * (k - 1));
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                if (i != j) {
                    pairs.add(new int[] {i, j});
                }
            }
        }
        pairs.sort(Comparator.comparingInt((int[] pair) -> first[pair[0]].length + second[pair[1]].length).reversed());
        double[][] m = new double[k][k];
        for (int start = 0; start < pairs.size(); start += settings.batchSize()) {
            List<int[]> chunk = pairs.subList(start, Math.min(pairs.size(), start + settings.batchSize()));
            List<PairRmModel.Comparison> batch = new ArrayList<>(chunk.size());
            for (int[] pair : chunk) {
                batch.add(layout(source, first[pair[0]], second[pair[1]]));
            }
            double[] logits = model.logits(batch);
            for (int row = 0; row < chunk.size(); row++) {
                double logit = logits[row];
                if (!Double.isFinite(logit)) {
                    throw new IllegalStateException("pairrm: the logit of response " + chunk.get(row)[0] + " over "
                            + chunk.get(row)[1] + " is " + logit);
                }
                m[chunk.get(row)[0]][chunk.get(row)[1]] = logit;
            }
        }
        return m;
    }

    /** source ‖ candidate 1 ‖ candidate 2, with the position of each part's prefix token (after its [CLS]). */
    static PairRmModel.Comparison layout(int[] source, int[] candidate1, int[] candidate2) {
        int[] ids = new int[source.length + candidate1.length + candidate2.length];
        System.arraycopy(source, 0, ids, 0, source.length);
        System.arraycopy(candidate1, 0, ids, source.length, candidate1.length);
        System.arraycopy(candidate2, 0, ids, source.length + candidate1.length, candidate2.length);
        return new PairRmModel.Comparison(ids, 1, source.length + 1, source.length + candidate1.length + 1);
    }

    /** {@code P_ij = σ(s_i − s_j)} with {@code s_i = (1/K)·Σ_j (M_ij − M_ji)}. */
    static double[][] preferencesFromLogits(double[][] m) {
        int k = m.length;
        double[] scores = new double[k];
        for (int i = 0; i < k; i++) {
            double sum = 0;
            for (int j = 0; j < k; j++) {
                sum += m[i][j] - m[j][i];
            }
            scores[i] = sum / k;
        }
        return BradleyTerryJudge.fromScores(scores);
    }

    /** Native arrays the judge holds (its weights); per-call arrays are gone when a call returns. */
    int managedArrays() {
        return model.manager().getManagedArrays().size();
    }

    @Override
    public void close() {
        closeAll(model, tokenizer);
    }

    private static void closeAll(PairRmModel model, PairRmTokenizer tokenizer) {
        try {
            if (model != null) {
                model.close();
            }
        } finally {
            if (tokenizer != null) {
                tokenizer.close();
            }
        }
    }
}
