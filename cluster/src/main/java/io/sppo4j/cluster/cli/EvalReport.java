package io.sppo4j.cluster.cli;

import io.sppo4j.model.eval.LengthControlledWinRate;
import io.sppo4j.model.eval.SampledResponses;
import io.sppo4j.model.eval.WinRate;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What {@code eval} reports for each policy: the raw win rate with its normal interval, and the
 * length-controlled win rate (AlpacaEval 2.0's GLM, {@link LengthControlledWinRate}) with its
 * bootstrap interval and coefficients; with several policies, the GLM has the per-instruction
 * term. One policy prints flat keys; several print a {@code policies} array.
 */
final class EvalReport {

    /** One evaluated policy: its answers (plain or best-of-N), their token counts, and P(answer ≻ reference) per prompt. */
    record Policy(Path directory, SampledResponses answers, double[] preferences) {}

    private EvalReport() {}

    static Map<String, Object> summary(List<Policy> policies, SampledResponses reference, long seed, int resamples) {
        List<LengthControlledWinRate> lc = lengthControlled(policies, reference, seed, resamples);
        List<Map<String, Object>> entries = new ArrayList<>();
        for (int i = 0; i < policies.size(); i++) {
            entries.add(entry(policies.get(i), lc.get(i)));
        }
        Map<String, Object> summary = new LinkedHashMap<>();
        if (policies.size() == 1) {
            summary.putAll(entries.get(0));
        } else {
            summary.put("policies", entries);
            summary.put("lc_instruction_term", true);
        }
        summary.put("prompts", reference.texts().size());
        summary.put("ref_mean_len", reference.meanLength());
        summary.put("ref_mean_chars", meanChars(reference.texts()));
        return summary;
    }

    /** One line per policy for a reader. */
    static String describe(List<Policy> policies, Map<String, Object> summary, Path reference, String judge) {
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> entries = policies.size() == 1 ? List.of(summary)
                : (List<Map<String, Object>>) summary.get("policies");
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < entries.size(); i++) {
            Map<String, Object> entry = entries.get(i);
            double[] ci = (double[]) entry.get("ci95");
            double[] lcCi = (double[]) entry.get("lc_ci95");
            text.append(String.format(Locale.ROOT, "win rate of %s against %s: %.3f (95%% CI %.3f to %.3f), length-controlled"
                    + " %.3f (%.3f to %.3f, length coefficient %.3f) over %d prompts, judge %s%n",
                    policies.get(i).directory(), reference, (double) entry.get("winrate"), ci[0], ci[1],
                    (double) entry.get("lc_winrate"), lcCi[0], lcCi[1], (double) entry.get("lc_length_coef"),
                    summary.get("prompts"), judge));
        }
        return text.toString();
    }

    private static Map<String, Object> entry(Policy policy, LengthControlledWinRate lc) {
        WinRate winRate = WinRate.of(policy.preferences());
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("policy", policy.directory().toString());
        entry.put("winrate", winRate.mean());
        entry.put("ci95", new double[] {winRate.low(), winRate.high()});
        entry.put("lc_winrate", lc.value());
        entry.put("lc_ci95", new double[] {lc.low(), lc.high()});
        entry.put("lc_length_coef", lc.lengthCoefficient());
        entry.put("lc_intercept", lc.intercept());
        entry.put("lc_instruction_coef", lc.instructionCoefficient());
        entry.put("lc_penalty_c", lc.penalty());
        entry.put("mean_len", policy.answers().meanLength());
        entry.put("mean_chars", meanChars(policy.answers().texts()));
        return entry;
    }

    private static List<LengthControlledWinRate> lengthControlled(List<Policy> policies, SampledResponses reference, long seed,
            int resamples) {
        if (reference.texts().size() < 2) {
            // No GLM from one prompt: report the raw figure, without an interval or coefficients.
            List<LengthControlledWinRate> raw = new ArrayList<>();
            for (Policy policy : policies) {
                double p = policy.preferences()[0];
                raw.add(new LengthControlledWinRate(p, p, p, Double.NaN, Double.NaN, Double.NaN, Double.NaN));
            }
            return raw;
        }
        int[] referenceChars = chars(reference.texts());
        List<LengthControlledWinRate.Outcomes> outcomes = new ArrayList<>();
        for (Policy policy : policies) {
            outcomes.add(new LengthControlledWinRate.Outcomes(policy.preferences(), chars(policy.answers().texts()), referenceChars));
        }
        return LengthControlledWinRate.of(outcomes, seed, resamples);
    }

    private static int[] chars(List<String> texts) {
        return texts.stream().mapToInt(String::length).toArray();
    }

    private static double meanChars(List<String> texts) {
        return texts.stream().mapToInt(String::length).average().orElse(0);
    }
}
