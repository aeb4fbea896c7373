package io.sppo4j.model.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import io.sppo4j.model.TestPolicies;
import io.sppo4j.model.nd.Autograd;
import io.sppo4j.model.hf.HfCausalModel;
import io.sppo4j.model.scoring.SequenceScorer;
import io.sppo4j.model.tokenizer.ByteTokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Central differences through a real tiny policy, compared with autograd, for the loss tests (the
 * same procedure as {@code SppoLossTest}'s, shared by the losses added after it).
 */
final class FiniteDifferences {

    /**
     * Float32 rounding in the forward pass moves a loss of order 1 by a few 1e-6 from one
     * perturbed evaluation to the next; over 2h = 2e-2 that is up to ~2e-4 in a difference
     * quotient whatever the gradient's size (measured for SppoLossTest).
     */
    static final double NOISE_FLOOR = 2e-4;

    /** Relative tolerance at h = 1e-2, where the O(h²) truncation stays below 1%. */
    static final double RELATIVE = 2e-2;

    /** Parameters of every kind in the tiny policy: embeddings, layer norms, attention, MLP. */
    static final List<String> CHECKED = List.of(
            "transformer.wte.weight", "transformer.wpe.weight", "transformer.ln_f.weight", "transformer.h.1.ln_2.weight",
            "transformer.h.0.attn.c_attn.weight", "transformer.h.0.attn.c_attn.bias", "transformer.h.1.mlp.c_fc.weight",
            "transformer.h.1.mlp.c_proj.weight", "transformer.ln_f.bias");

    static final SequenceScorer SCORER = new SequenceScorer(ByteTokenizer.PAD);

    /** Three prompts and two responses to each, for pairs or for samples. */
    static final List<int[]> PROMPTS = TestPolicies.prompts(31, 4, 7, 3);
    static final List<int[]> WINNERS = randomResponses(32, 5, 3, 6);
    static final List<int[]> LOSERS = randomResponses(33, 4, 6, 3);

    private FiniteDifferences() {}

    /**
     * Autograd against central differences for the two largest-gradient elements of each of
     * {@link #CHECKED}; asserts agreement within {@link #RELATIVE} of the gradient plus
     * {@link #NOISE_FLOOR} at h = 1e-2, prints the report (h = 1e-3 beside it for comparison,
     * where the noise dominates for the smaller gradients), and returns the worst relative error
     * at h = 1e-2.
     *
     * @param recorded the loss, built in the given manager; called once, inside {@code Autograd.recording()}
     * @param evaluate the same loss's value at the current weights, without recording
     */
    static double check(
            HfCausalModel policy, String title, Function<NDManager, NDArray> recorded, Supplier<Double> evaluate) {
        Map<String, Parameter> parameters = policy.namedParameters();
        List<float[]> gradients = new ArrayList<>();
        try (NDManager step = policy.manager().newSubManager()) {
            NDArray loss;
            try (Autograd.Scope recording = Autograd.recording()) {
                loss = recorded.apply(step);
            }
            Autograd.backward(loss);
            for (String name : CHECKED) {
                gradients.add(Autograd.gradient(parameters.get(name).getArray(), step).toFloatArray());
            }
            for (Parameter parameter : parameters.values()) {
                Autograd.zeroGradient(parameter.getArray());
            }
        }
        double worst = 0;
        StringBuilder report = new StringBuilder(title + ": finite differences, relative error (h = 1e-2 | h = 1e-3):\n");
        for (int p = 0; p < CHECKED.size(); p++) {
            String name = CHECKED.get(p);
            NDArray array = parameters.get(name).getArray();
            for (int element : largestTwo(gradients.get(p))) {
                float autograd = gradients.get(p)[element];
                double coarse = centralDifference(policy, array, element, 1e-2f, evaluate);
                double fine = centralDifference(policy, array, element, 1e-3f, evaluate);
                double error = Math.abs(coarse - autograd) / Math.abs(autograd);
                worst = Math.max(worst, error);
                report.append(String.format("  %-24s [%4d] autograd %+.6e  fd %+.6e (rel %.2e) | fd %+.6e (rel %.2e)%n",
                        name, element, autograd, coarse, error, fine, Math.abs(fine - autograd) / Math.abs(autograd)));
                assertTrue(Math.abs(autograd) > 1e-2, title + ": " + name + " has a gradient too small to check: " + autograd);
                assertTrue(Math.abs(coarse - autograd) <= RELATIVE * Math.abs(autograd) + NOISE_FLOOR,
                        title + ": " + name + "[" + element + "]: autograd " + autograd + " vs central difference " + coarse);
            }
        }
        System.out.print(report.append(String.format("%s: worst relative error at h = 1e-2: %.2e%n", title, worst)));
        return worst;
    }

    /**
     * {@link #check} for a pairwise loss on the pairs (PROMPTS, WINNERS, LOSERS): margins from the
     * policy's sequence log-probabilities and constant reference log-probabilities chosen so that
     * the margins at the current weights are {@code margins} (up to float32 rounding).
     */
    static double checkPairwise(HfCausalModel policy, PairwiseLoss loss, float[] margins) {
        float[] refWinner;
        float[] refLoser;
        try (Autograd.Scope inference = Autograd.paused(); NDManager step = policy.manager().newSubManager()) {
            float[] winner = SCORER.score(policy, step, PROMPTS, WINNERS, false).sequenceLogProbs().toFloatArray();
            refLoser = SCORER.score(policy, step, PROMPTS, LOSERS, false).sequenceLogProbs().toFloatArray();
            refWinner = new float[winner.length];
            for (int i = 0; i < winner.length; i++) {
                refWinner[i] = winner[i] - margins[i]; // the winner's log-ratio is the margin, the loser's 0
            }
            float[] initial = loss.compute(pairMargins(policy, step, false, refWinner, refLoser)).logRatio();
            for (int i = 0; i < margins.length; i++) {
                assertEquals(margins[i], initial[i], 1e-5f, "margin " + i + " at the unperturbed weights");
            }
        }
        float[] fixedWinner = refWinner;
        float[] fixedLoser = refLoser;
        return check(policy, loss.toString(),
                step -> loss.compute(pairMargins(policy, step, true, fixedWinner, fixedLoser)).loss(),
                () -> {
                    try (Autograd.Scope inference = Autograd.paused(); NDManager step = policy.manager().newSubManager()) {
                        return (double) loss.compute(pairMargins(policy, step, false, fixedWinner, fixedLoser)).loss().getFloat();
                    }
                });
    }

    private static NDArray pairMargins(
            HfCausalModel policy, NDManager step, boolean training, float[] refWinner, float[] refLoser) {
        NDArray winner = SCORER.score(policy, step, PROMPTS, WINNERS, training).sequenceLogProbs();
        NDArray loser = SCORER.score(policy, step, PROMPTS, LOSERS, training).sequenceLogProbs();
        return PairwiseLoss.margins(winner, loser, refWinner, refLoser);
    }

    /** (L(θ + h·e) − L(θ − h·e)) / 2h for the flat element {@code element}, restoring θ exactly. */
    private static double centralDifference(
            HfCausalModel policy, NDArray parameter, int element, float h, Supplier<Double> loss) {
        float original = parameter.toFloatArray()[element];
        NDIndex at = index(parameter.getShape(), element);
        float plus = original + h;
        float minus = original - h;
        overwrite(policy, parameter, at, plus);
        double up = loss.get();
        overwrite(policy, parameter, at, minus);
        double down = loss.get();
        overwrite(policy, parameter, at, original);
        // Divide by the step actually taken in float32, not the nominal 2h.
        return (up - down) / ((double) plus - minus);
    }

    private static void overwrite(HfCausalModel policy, NDArray parameter, NDIndex at, float value) {
        try (Autograd.Scope inPlace = Autograd.paused(); NDManager scratch = policy.manager().newSubManager()) {
            parameter.set(at, scratch.create(value));
        }
    }

    private static NDIndex index(Shape shape, int flat) {
        long[] indices = new long[shape.dimension()];
        long rest = flat;
        for (int axis = shape.dimension() - 1; axis >= 0; axis--) {
            indices[axis] = rest % shape.get(axis);
            rest /= shape.get(axis);
        }
        return new NDIndex(indices);
    }

    private static int[] largestTwo(float[] values) {
        int first = -1;
        int second = -1;
        for (int i = 0; i < values.length; i++) {
            if (first < 0 || Math.abs(values[i]) > Math.abs(values[first])) {
                second = first;
                first = i;
            } else if (second < 0 || Math.abs(values[i]) > Math.abs(values[second])) {
                second = i;
            }
        }
        return new int[] {first, second};
    }

    /** Byte responses of the given lengths, each ending in EOS. */
    static List<int[]> randomResponses(long seed, int... lengths) {
        SplittableRandom random = new SplittableRandom(seed);
        List<int[]> responses = new ArrayList<>();
        for (int length : lengths) {
            int[] response = new int[length];
            for (int i = 0; i < length - 1; i++) {
                response[i] = random.nextInt(256);
            }
            response[length - 1] = ByteTokenizer.EOS;
            responses.add(response);
        }
        return responses;
    }
}
