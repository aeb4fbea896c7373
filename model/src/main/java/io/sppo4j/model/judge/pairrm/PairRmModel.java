package io.sppo4j.model.judge.pairrm;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import io.sppo4j.model.hf.HfTensorDirectory;
import io.sppo4j.model.nd.Autograd;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * LLM-Blender's {@code DebertaV2PairRM} ({@code llm_blender/pair_ranker/pairrm.py}, the model
 * of {@code llm-blender/PairRM-hf}): a DeBERTa-v2 encoder reads
 * {@code [CLS] <|source|> x [SEP] [CLS] <|candidate1|> a [SEP] [CLS] <|candidate2|> b [SEP]} and
 * the head scores each candidate from the hidden states at the three prefix tokens:
 * {@code head([h_source; h_candidate]) = W₂·tanh(W₁·[h_source; h_candidate] + b₁) + b₂}
 * ({@code head_layer.1}, {@code head_layer.4}; the dropouts are identities at inference). The
 * logit that a beats b is the mean over tasks of {@code head(a) − head(b)}.
 *
 * <p>Owns the manager its weights live in; each call computes in a child scope that closes.
 */
final class PairRmModel implements AutoCloseable {

    /** Prefix of the encoder's tensors in a DebertaV2PairRM checkpoint. */
    private static final String ENCODER = "pretrained_model.";
    /** Buffers transformers may save that hold no weights. */
    private static final Set<String> IGNORED = Set.of(ENCODER + "embeddings.position_ids");
    /** Any id: padded keys are masked and padded rows never read. */
    private static final long PAD = 0;

    /**
     * One comparison laid out for the encoder.
     *
     * @param ids the whole sequence, special tokens included
     * @param source position of {@code <|source|>}
     * @param candidate1 position of {@code <|candidate1|>}
     * @param candidate2 position of {@code <|candidate2|>}
     */
    record Comparison(int[] ids, int source, int candidate1, int candidate2) {}

    private final NDManager manager;
    private final DebertaV2Config config;
    private final DataType dtype;
    private final DebertaV2Encoder encoder;
    private final NDArray hiddenWeight;
    private final NDArray hiddenBias;
    private final NDArray outputWeight;
    private final NDArray outputBias;

    private PairRmModel(HfTensorDirectory tensors, NDManager manager, DataType dtype) {
        this.manager = manager;
        this.dtype = dtype;
        this.config = DebertaV2Config.from(tensors.config());
        long d = config.hiddenSize();
        encoder = new DebertaV2Encoder(config, tensors, ENCODER, manager, dtype);
        hiddenWeight = tensors.take("head_layer.1.weight", manager, dtype, d, 2 * d);
        hiddenBias = tensors.take("head_layer.1.bias", manager, dtype, d);
        outputWeight = tensors.take("head_layer.4.weight", manager, dtype, config.tasks(), d);
        outputBias = tensors.take("head_layer.4.bias", manager, dtype, config.tasks());
        Set<String> unused = tensors.remaining();
        unused.removeAll(IGNORED);
        if (!unused.isEmpty()) {
            // A tensor nobody reads means a part of the network this loader does not implement.
            throw new IllegalArgumentException(tensors.directory() + ": tensors " + unused + " are not part of "
                    + DebertaV2Config.ARCHITECTURE + " as this loader implements it (config " + tensors.config().file() + ")");
        }
    }

    /**
     * Loads a {@code DebertaV2PairRM} directory onto {@code device}, computing in {@code dtype}
     * (FLOAT32 or FLOAT16).
     *
     * @throws IllegalArgumentException naming the missing tensor or the unsupported config key
     */
    static PairRmModel load(Path directory, Device device, DataType dtype) throws IOException {
        HfTensorDirectory tensors = HfTensorDirectory.read(directory);
        NDManager manager = NDManager.newBaseManager(device);
        try (Autograd.Scope inference = Autograd.paused()) {
            return new PairRmModel(tensors, manager, dtype);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    DebertaV2Config config() {
        return config;
    }

    NDManager manager() {
        return manager;
    }

    /**
     * The logit that the first candidate beats the second, for each comparison, in one padded
     * batch.
     */
    double[] logits(List<Comparison> comparisons) {
        int batch = comparisons.size();
        int width = 0;
        for (Comparison comparison : comparisons) {
            width = Math.max(width, comparison.ids().length);
        }
        long[] ids = new long[batch * width];
        long[] mask = new long[batch * width];
        long[] positions = new long[batch * 3];
        for (int row = 0; row < batch; row++) {
            Comparison comparison = comparisons.get(row);
            for (int t = 0; t < width; t++) {
                boolean real = t < comparison.ids().length;
                ids[row * width + t] = real ? comparison.ids()[t] : PAD;
                mask[row * width + t] = real ? 1 : 0;
            }
            positions[row * 3] = comparison.source();
            positions[row * 3 + 1] = comparison.candidate1();
            positions[row * 3 + 2] = comparison.candidate2();
        }
        try (Autograd.Scope inference = Autograd.paused(); NDManager scope = manager.newSubManager()) {
            NDArray hidden = encoder.forward(scope.create(ids, new Shape(batch, width)),
                    scope.create(mask, new Shape(batch, width))); // (B, T, D)
            long d = config.hiddenSize();
            NDArray index = scope.create(positions, new Shape(batch, 3, 1)).broadcast(batch, 3, d); // (B, 3, D)
            NDArray read = hidden.gather(index, 1); // (B, 3, D): source, candidate 1, candidate 2
            NDArray source = read.get(":, 0, :"); // (B, D)
            NDArray left = head(NDArrays.concat(new NDList(source, read.get(":, 1, :")), 1)); // (B, tasks)
            NDArray right = head(NDArrays.concat(new NDList(source, read.get(":, 2, :")), 1)); // (B, tasks)
            float[] logits = left.sub(right).mean(new int[] {1}).toType(DataType.FLOAT32, false).toFloatArray(); // (B)
            double[] result = new double[batch];
            for (int row = 0; row < batch; row++) {
                result[row] = logits[row];
            }
            return result;
        }
    }

    /** (B, 2D) → (B, tasks) */
    private NDArray head(NDArray pair) {
        NDArray hidden = Linear.linear(pair, hiddenWeight, hiddenBias).singletonOrThrow().tanh(); // (B, D)
        return Linear.linear(hidden, outputWeight, outputBias).singletonOrThrow();
    }

    DataType dtype() {
        return dtype;
    }

    @Override
    public void close() {
        manager.close();
    }
}
