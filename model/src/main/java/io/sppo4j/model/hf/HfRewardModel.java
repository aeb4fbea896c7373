package io.sppo4j.model.hf;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.sppo4j.model.decoder.Decoder;
import io.sppo4j.model.decoder.Init;
import io.sppo4j.model.decoder.LoraConfig;
import io.sppo4j.model.decoder.ParameterSource;
import io.sppo4j.model.decoder.Projection;
import io.sppo4j.model.nd.Autograd;
import io.sppo4j.model.nd.Casts;
import io.sppo4j.model.nd.Precision;
import io.sppo4j.model.sampling.TokenBatch;

import java.util.Arrays;
import java.util.List;

/**
 * A {@code *ForSequenceClassification} checkpoint with one label, as a reward model: the score
 * head ({@code score.weight}, no bias) read at each sequence's last real token, as transformers
 * reads it at the last non-padding token. Tokenizer-free; {@link HfRewardScorer} adds text.
 */
public final class HfRewardModel extends DecoderModel {

    /** Any id works for padding: the key mask hides it and the reward is read before it. */
    private static final int PAD = 0;

    HfRewardModel(WeightsOrigin origin, NDManager manager, Precision precision) {
        super(origin, manager, precision, HfArchitecture.Head.REWARD, HfRewardModel::scoreHead, LoraConfig.OFF);
        setTrainable(false); // a judge, not a learner
    }

    /** {@code score.weight} (1, D), no bias; the config must say there is one label. */
    private static Projection scoreHead(ParameterSource parameters, ConfigJson config, Decoder decoder) {
        int labels = config.has("num_labels") ? config.requiredInt("num_labels") : config.objectSize("id2label");
        if (labels != 1) {
            // transformers defaults to 2 labels when config.json says nothing.
            throw config.invalid(config.has("num_labels") ? "num_labels" : "id2label",
                    "a reward model needs exactly one label, got " + (labels < 0 ? "none (defaults to 2)" : labels));
        }
        return Projection.declare(parameters, "score", decoder.config().hiddenSize(), 1, false,
                Projection.Layout.OUT_IN, Init.normal(Init.STD));
    }

    /**
     * Rewards of a padded batch. Differentiable when recording and trainable.
     *
     * @param tokens (B, T) int64
     * @param keyMask (B, T) int64, 1 at real tokens; padding may sit on either side
     * @return (B) float32 rewards, on the tokens' manager
     */
    public NDArray rewards(NDArray tokens, NDArray keyMask) {
        long batch = tokens.getShape().get(0);
        long steps = tokens.getShape().get(1);
        int width = decoder().config().hiddenSize();
        NDArray hidden = decoder().hiddenStates(tokens, keyMask, null, false); // (B, T, D)
        NDManager scope = tokens.getManager();
        // Index of the last real token: the largest column whose mask is 1.
        NDArray columns = scope.arange(0, steps, 1, DataType.INT64).reshape(1, steps); // (1, T)
        NDArray last = keyMask.mul(columns).argMax(1).reshape(batch, 1, 1); // (B, 1, 1)
        NDArray index = last.broadcast(batch, 1, width); // (B, 1, D)
        NDArray finalHidden = hidden.gather(index, 1).reshape(batch, width); // (B, D)
        return Casts.to(head().apply(finalHidden), DataType.FLOAT32).reshape(batch); // (B)
    }

    /**
     * Rewards of whole token sequences (prompt and response already joined), in one batch.
     *
     * @param sequences token ids, each non-empty and at most {@link #contextLength()} long
     */
    public double[] rewards(int[][] sequences) {
        if (sequences.length == 0) {
            return new double[0];
        }
        List<int[]> rows = Arrays.asList(sequences);
        for (int i = 0; i < sequences.length; i++) {
            if (sequences[i].length == 0) {
                throw new IllegalArgumentException("sequence " + i + " is empty");
            }
        }
        int width = TokenBatch.maxLength(rows);
        try (Autograd.Scope inference = Autograd.paused(); NDManager scope = manager().newSubManager()) {
            TokenBatch.Padded batch = TokenBatch.layout(scope, rows, null, width, 0, PAD);
            float[] rewards = rewards(batch.tokens(), batch.mask()).toFloatArray();
            double[] result = new double[rewards.length];
            for (int i = 0; i < rewards.length; i++) {
                result[i] = rewards[i];
            }
            return result;
        }
    }
}
