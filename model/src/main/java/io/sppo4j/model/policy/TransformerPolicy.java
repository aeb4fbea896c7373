package io.sppo4j.model.policy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import ai.djl.util.PairList;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * Decoder-only transformer in the GPT-2 layout: token and learned position embeddings,
 * pre-norm blocks with causal attention, a final LayerNorm and an output head tied to the token
 * embedding. Parameter names follow GPT-2 ({@code h.0.attn.c_attn.weight}, ...).
 */
public final class TransformerPolicy extends PolicyBlock implements LanguageModel {

    /** GPT-2's initial standard deviation of weights. */
    static final double INIT_STD = 0.02;

    private final PolicyConfig config;
    private final NDManager manager;
    private final ParameterStore store;
    private final Parameter tokenEmbedding;
    private final Parameter positionEmbedding;
    private final Parameter lnFWeight;
    private final Parameter lnFBias;
    private final List<TransformerBlock> blocks = new ArrayList<>();

    private TransformerPolicy(PolicyConfig config, long seed, NDManager manager) {
        super(seed, "");
        this.config = config;
        this.manager = manager;
        this.store = new ParameterStore(manager, false);
        tokenEmbedding = normal("wte.weight", INIT_STD, config.vocabSize(), config.width());
        positionEmbedding = normal("wpe.weight", INIT_STD / 2, config.contextLength(), config.width());
        lnFWeight = ones("ln_f.weight", config.width());
        lnFBias = zeros("ln_f.bias", config.width());
        for (int layer = 0; layer < config.layers(); layer++) {
            String name = "h." + layer;
            blocks.add(addChildBlock(name, new TransformerBlock(config, layer, seed, childPath(name))));
        }
    }

    /**
     * A freshly initialised policy whose parameters live on {@code device} under a manager of
     * their own (a child of {@code parent}); equal configs and seeds give equal weights.
     */
    public static TransformerPolicy create(PolicyConfig config, long seed, NDManager parent, Device device) {
        NDManager manager = parent.newSubManager(device);
        TransformerPolicy policy = new TransformerPolicy(config, seed, manager);
        policy.initialize(manager, DataType.FLOAT32, new Shape(1, 1), new Shape(1, 1));
        return policy;
    }

    static double residualStd(PolicyConfig config) {
        return INIT_STD / Math.sqrt(2.0 * config.layers());
    }

    public PolicyConfig config() {
        return config;
    }

    @Override
    public int vocabSize() {
        return config.vocabSize();
    }

    @Override
    public int contextLength() {
        return config.contextLength();
    }

    @Override
    public Device device() {
        return manager.getDevice();
    }

    @Override
    public NDManager manager() {
        return manager;
    }

    @Override
    public NDArray forward(NDArray tokens, NDArray keyMask, KvCache cache, boolean training) {
        int steps = Math.toIntExact(tokens.getShape().get(1));
        int cached = cache == null ? 0 : cache.length();
        if (keyMask.getShape().get(1) != cached + steps) {
            throw new IllegalArgumentException(
                    "key mask covers " + keyMask.getShape().get(1) + " positions, expected cached "
                            + cached + " + new " + steps);
        }
        if (cached + steps > config.contextLength()) {
            throw new IllegalArgumentException(
                    "sequence of " + (cached + steps) + " tokens exceeds the context length " + config.contextLength());
        }
        NDArray positions = AttentionMask.positions(keyMask, steps); // (B, T)
        NDArray bias = AttentionMask.bias(keyMask, steps); // (B, 1, T, Tk)
        NDArray wte = value(store, tokenEmbedding, tokens, training);
        NDArray x = embed(tokens, wte).add(embed(positions, value(store, positionEmbedding, tokens, training))); // (B, T, D)
        if (training && config.dropout() > 0f) {
            x = Dropout.dropout(x, config.dropout(), true).singletonOrThrow();
        }
        for (TransformerBlock block : blocks) {
            x = block.forward(store, x, bias, cache, training);
        }
        if (cache != null) {
            cache.advance(steps);
        }
        x = layerNorm(store, x, lnFWeight, lnFBias, training);
        return Linear.linear(x, wte).singletonOrThrow(); // (B, T, V): x · wteᵀ, the tied head
    }

    /** Embedding lookup whose result belongs to the index's manager, not the table's. */
    private static NDArray embed(NDArray index, NDArray table) {
        return Embedding.embedding(index, table, SparseFormat.DENSE).singletonOrThrow();
    }

    @Override
    public KvCache newCache(NDManager parent, int batchSize, int capacity) {
        if (capacity > config.contextLength()) {
            throw new IllegalArgumentException(
                    "KV cache capacity " + capacity + " exceeds the context length " + config.contextLength());
        }
        return new KvCache(parent, device(), config.layers(), config.heads(), config.headDim(), batchSize, capacity);
    }

    @Override
    public LinkedHashMap<String, Parameter> namedParameters() {
        LinkedHashMap<String, Parameter> named = new LinkedHashMap<>();
        collect(this, "", named);
        return named;
    }

    private static void collect(Block block, String prefix, LinkedHashMap<String, Parameter> into) {
        for (Pair<String, Parameter> direct : block.getDirectParameters()) {
            into.put(prefix + direct.getKey(), direct.getValue());
        }
        for (Pair<String, Block> child : block.getChildren()) {
            // DJL prefixes child names with a two-digit ordinal ("01h.0"); the name is what follows.
            collect(child.getValue(), prefix + child.getKey().substring(2) + ".", into);
        }
    }

    @Override
    public void setTrainable(boolean trainable) {
        for (Parameter parameter : namedParameters().values()) {
            parameter.freeze(!trainable);
        }
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore parameterStore, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(forward(inputs.get(0), inputs.get(1), null, training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape tokens = inputShapes[0];
        return new Shape[] {new Shape(tokens.get(0), tokens.get(1), config.vocabSize())};
    }

    @Override
    public void close() {
        manager.close();
    }
}
