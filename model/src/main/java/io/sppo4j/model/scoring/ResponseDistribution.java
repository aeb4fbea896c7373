package io.sppo4j.model.scoring;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.sppo4j.model.nd.Autograd;
import io.sppo4j.model.policy.LanguageModel;
import io.sppo4j.model.task.FiniteResponses;

/** A policy's exact distribution over a finite set of single-token responses. */
public final class ResponseDistribution {

    private ResponseDistribution() {}

    /**
     * The next-token probabilities after the prompt, restricted to the response tokens and
     * renormalised over them (for a model constrained to those tokens, nothing is lost).
     */
    public static double[] of(LanguageModel model, FiniteResponses responses) {
        int[] prompt = responses.promptTokens();
        long[] ids = new long[prompt.length];
        long[] mask = new long[prompt.length];
        for (int i = 0; i < prompt.length; i++) {
            ids[i] = prompt[i];
            mask[i] = 1;
        }
        try (Autograd.Scope inference = Autograd.paused(); NDManager scope = model.manager().newSubManager()) {
            NDArray tokens = scope.create(ids, new Shape(1, prompt.length));
            NDArray logits = model.forward(tokens, scope.create(mask, new Shape(1, prompt.length)), null, false)
                    .get("0, -1, :"); // (V)
            float[] all = logits.toFloatArray();
            int[] responseIds = responses.responseIds();
            double max = Double.NEGATIVE_INFINITY;
            for (int id : responseIds) {
                max = Math.max(max, all[id]);
            }
            double[] probabilities = new double[responseIds.length];
            double total = 0;
            for (int i = 0; i < responseIds.length; i++) {
                probabilities[i] = Math.exp(all[responseIds[i]] - max);
                total += probabilities[i];
            }
            for (int i = 0; i < probabilities.length; i++) {
                probabilities[i] /= total;
            }
            return probabilities;
        }
    }
}
