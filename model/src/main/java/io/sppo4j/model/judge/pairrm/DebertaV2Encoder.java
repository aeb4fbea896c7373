package io.sppo4j.model.judge.pairrm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.norm.LayerNorm;
import io.sppo4j.model.hf.HfTensorDirectory;

import java.util.ArrayList;
import java.util.List;

/**
 * transformers' {@code DebertaV2Model} ({@code modeling_deberta_v2.py}) for inference, as
 * DeBERTa-v3 configures it: token embeddings, LayerNorm, zeroed at padding, then the layers with
 * relative attention (no absolute positions: {@link DebertaV2Config} refuses them). Returns the last layer's hidden states, as
 * {@code DebertaV2PairRM} reads them ({@code hidden_states[-1]}).
 *
 * <p>Rows are right-padded with a key mask. transformers also masks padded <em>queries</em>
 * (their attention rows become zeros); here a padded query attends like any other, which changes
 * only the hidden states at padding, and no real token ever reads those.
 */
final class DebertaV2Encoder {

    /** Added to the scores of padded keys: exp() of it is exactly 0, and it stays finite in the dtype. */
    private static final float MASKED = -1e9f;
    private static final float MASKED_HALF = -3e4f;

    private final DebertaV2Config config;
    private final DataType dtype;
    private final NDArray wordEmbeddings;
    private final NDArray embeddingNormWeight;
    private final NDArray embeddingNormBias;
    private final List<DebertaV2Layer> layers = new ArrayList<>();

    /** Reads every encoder tensor under {@code prefix} into {@code owner}, in {@code dtype}. */
    DebertaV2Encoder(DebertaV2Config config, HfTensorDirectory tensors, String prefix, NDManager owner, DataType dtype) {
        this.config = config;
        this.dtype = dtype;
        long d = config.hiddenSize();
        String embeddings = prefix + "embeddings.";
        wordEmbeddings = tensors.take(embeddings + "word_embeddings.weight", owner, dtype, config.vocabSize(), d);
        embeddingNormWeight = tensors.take(embeddings + "LayerNorm.weight", owner, dtype, d);
        embeddingNormBias = tensors.take(embeddings + "LayerNorm.bias", owner, dtype, d);
        try (NDManager load = owner.newSubManager()) {
            // transformers builds the relative embeddings whenever relative_attention is on, used or not.
            NDArray relative = config.relativeAttention() ? relativeEmbeddings(tensors, prefix + "encoder.", load) : null;
            for (int i = 0; i < config.layers(); i++) {
                layers.add(new DebertaV2Layer(config, tensors, prefix + "encoder.layer." + i + ".", owner, dtype, relative));
            }
        }
    }

    /**
     * {@code encoder.rel_embeddings.weight} (2·span, D), through the encoder's LayerNorm when
     * {@code norm_rel_ebd} has {@code layer_norm} ({@code get_rel_embedding}). Lives in {@code scope}:
     * the layers keep only their projections of it.
     */
    private NDArray relativeEmbeddings(HfTensorDirectory tensors, String prefix, NDManager scope) {
        long d = config.hiddenSize();
        NDArray weight = tensors.take(prefix + "rel_embeddings.weight", scope, dtype, 2L * config.attentionSpan(), d);
        if (!config.normaliseRelativeEmbeddings()) {
            return weight;
        }
        NDArray gamma = tensors.take(prefix + "LayerNorm.weight", scope, dtype, d);
        NDArray beta = tensors.take(prefix + "LayerNorm.bias", scope, dtype, d);
        return LayerNorm.layerNorm(weight, new Shape(d), gamma, beta, (float) config.layerNormEps()).singletonOrThrow();
    }

    DebertaV2Config config() {
        return config;
    }

    /**
     * @param tokens (B, T) int64, each row's real tokens first, then padding
     * @param mask (B, T) int64, 1 at real tokens
     * @return (B, T, D) last hidden states, in the compute dtype, on the tokens' manager
     */
    NDArray forward(NDArray tokens, NDArray mask) {
        NDManager scope = tokens.getManager();
        long batch = tokens.getShape().get(0);
        int steps = Math.toIntExact(tokens.getShape().get(1));
        NDArray realColumns = mask.toType(dtype, false).reshape(batch, steps, 1); // (B, T, 1)
        NDArray x = embed(tokens, wordEmbeddings); // (B, T, D)
        x = LayerNorm.layerNorm(x, new Shape(config.hiddenSize()), embeddingNormWeight, embeddingNormBias,
                (float) config.layerNormEps()).singletonOrThrow().mul(realColumns); // (B, T, D)
        NDArray maskBias = mask.eq(0).toType(dtype, false)
                .mul(dtype == DataType.FLOAT16 ? MASKED_HALF : MASKED)
                .reshape(batch, 1, 1, steps); // (B, 1, 1, T)
        Shape scores = new Shape(batch, config.heads(), steps, steps);
        boolean relative = config.usesRelativeTerms();
        NDArray c2p = relative && config.contentToPosition()
                ? RelativePositions.contentToPosition(scope, steps, config).broadcast(scores) // (B, H, T, T) view
                : null;
        NDArray p2c = relative && config.positionToContent()
                ? RelativePositions.positionToContent(scope, steps, config).broadcast(scores) // (B, H, T, T) view
                : null;
        for (DebertaV2Layer layer : layers) {
            x = layer.forward(x, maskBias, c2p, p2c);
        }
        return x;
    }

    /** Embedding lookup whose result belongs to the index's manager, not the table's. */
    private static NDArray embed(NDArray index, NDArray table) {
        return Embedding.embedding(index, table, SparseFormat.DENSE).singletonOrThrow();
    }
}
