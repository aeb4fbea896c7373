package io.sppo4j.model.hf;

import io.sppo4j.model.judge.RewardScorer;
import io.sppo4j.model.tokenizer.HfTokenizer;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * An {@link HfRewardModel} behind the {@link RewardScorer} seam: each (prompt, response) is
 * encoded by the caller's tokenizer and the group is scored in one batch. Owns the model, and the
 * tokenizer when it was given one.
 */
public final class HfRewardScorer implements RewardScorer {

    private final HfRewardModel model;
    private final BiFunction<String, String, int[]> encoder;
    private final HfTokenizer owned;

    /**
     * @param encoder token ids of a prompt and one response together, as the reward model was
     *     trained to read them (a chat template, or special tokens around the parts)
     */
    public HfRewardScorer(HfRewardModel model, BiFunction<String, String, int[]> encoder) {
        this(model, encoder, null);
    }

    private HfRewardScorer(HfRewardModel model, BiFunction<String, String, int[]> encoder, HfTokenizer owned) {
        this.model = Objects.requireNonNull(model, "model");
        this.encoder = Objects.requireNonNull(encoder, "encoder");
        this.owned = owned;
    }

    /** Reads {@code prompt + response} with the model's own tokenizer, which it then owns (native memory). */
    public static HfRewardScorer reading(HfRewardModel model, HfTokenizer tokenizer) {
        return new HfRewardScorer(model, concatenation(tokenizer::encodePrompt), tokenizer);
    }

    private static BiFunction<String, String, int[]> concatenation(Function<String, int[]> encoder) {
        Objects.requireNonNull(encoder, "encoder");
        return (prompt, response) -> encoder.apply(prompt + response);
    }

    /** Encodes the plain concatenation {@code prompt + response}. */
    public static HfRewardScorer concatenating(HfRewardModel model, Function<String, int[]> encoder) {
        return new HfRewardScorer(model, concatenation(encoder));
    }

    @Override
    public double[] rewards(String prompt, List<String> responses) {
        int[][] sequences = new int[responses.size()][];
        for (int i = 0; i < sequences.length; i++) {
            int[] ids = encoder.apply(prompt, responses.get(i));
            if (ids.length > model.contextLength()) {
                // Keep the end: the reward is read at the last token, which must be the response's.
                ids = Arrays.copyOfRange(ids, ids.length - model.contextLength(), ids.length);
            }
            sequences[i] = ids;
        }
        return model.rewards(sequences);
    }

    @Override
    public void close() {
        try {
            model.close();
        } finally {
            if (owned != null) {
                owned.close();
            }
        }
    }
}
