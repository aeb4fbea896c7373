package io.sppo4j.model.policy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.sppo4j.model.nd.Casts;

import java.util.List;

/**
 * Keys and values of every layer for the tokens decoded so far, preallocated to a fixed
 * capacity so a decoding step writes one slice in place instead of reallocating the history.
 *
 * <p>The cache owns its buffers through a manager of its own; closing it frees them.
 */
public final class KvCache implements AutoCloseable {

    private final NDManager manager;
    private final NDArray[] keys; // per layer (B, heads, capacity, headDim)
    private final NDArray[] values; // per layer (B, heads, capacity, headDim)
    private final int batchSize;
    private final int capacity;
    private int length;

    /**
     * @param dtype the type keys and values are computed in
     * @param layers number of attention layers
     * @param kvHeads key/value heads per layer (fewer than query heads under grouped-query attention)
     */
    public KvCache(
            NDManager parent, Device device, DataType dtype, int layers, int kvHeads, int headDim, int batchSize,
            int capacity) {
        this.manager = parent.newSubManager(device);
        this.batchSize = batchSize;
        this.capacity = capacity;
        this.keys = new NDArray[layers];
        this.values = new NDArray[layers];
        Shape shape = new Shape(batchSize, kvHeads, capacity, headDim);
        for (int layer = 0; layer < layers; layer++) {
            keys[layer] = Casts.zeros(manager, shape, dtype);
            values[layer] = Casts.zeros(manager, shape, dtype);
        }
    }

    /** Number of positions already written (the same for every layer between forward calls). */
    public int length() {
        return length;
    }

    public int capacity() {
        return capacity;
    }

    public int batchSize() {
        return batchSize;
    }

    /**
     * Every layer's key buffer (B, heads, capacity, headDim), for a fused pass that writes into
     * them itself and then calls {@link #advance}.
     */
    public List<NDArray> keyBuffers() {
        return List.of(keys);
    }

    /** Every layer's value buffer, as {@link #keyBuffers}. */
    public List<NDArray> valueBuffers() {
        return List.of(values);
    }

    /**
     * Writes this call's keys and values of one layer after the cached ones and returns views of
     * everything cached so far, including them. The views belong to {@code k}'s manager, so a
     * per-step manager frees them with the step's other temporaries.
     *
     * @param k (B, heads, T, headDim)
     * @param v (B, heads, T, headDim)
     * @return keys and values, each (B, heads, length + T, headDim)
     */
    public NDList append(int layer, NDArray k, NDArray v) {
        long steps = k.getShape().get(2);
        long end = length + steps;
        if (end > capacity) {
            throw new IllegalStateException("KV cache full: " + end + " positions > capacity " + capacity);
        }
        NDIndex written = new NDIndex(":, :, {}:{}", length, end);
        keys[layer].set(written, k);
        values[layer].set(written, v);
        NDIndex history = new NDIndex(":, :, :{}", end);
        NDManager owner = k.getManager();
        NDArray allKeys = keys[layer].get(history);
        NDArray allValues = values[layer].get(history);
        allKeys.attach(owner);
        allValues.attach(owner);
        return new NDList(allKeys, allValues);
    }

    /** Marks {@code steps} more positions as written; called once per forward, after all layers. */
    public void advance(int steps) {
        length += steps;
    }

    @Override
    public void close() {
        manager.close();
    }
}
