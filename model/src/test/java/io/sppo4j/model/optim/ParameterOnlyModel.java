package io.sppo4j.model.optim;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import io.sppo4j.model.policy.KvCache;
import io.sppo4j.model.policy.LanguageModel;

import java.util.LinkedHashMap;

/**
 * Named parameters and nothing else: enough for an optimiser, whose arithmetic the tests check
 * against a reference with gradients they choose.
 */
public final class ParameterOnlyModel implements LanguageModel {

    private final NDManager manager;
    private final LinkedHashMap<String, Parameter> parameters = new LinkedHashMap<>();

    public ParameterOnlyModel(NDManager parent) {
        manager = parent.newSubManager();
    }

    /** Adds a parameter holding {@code values} in {@code shape}. */
    ParameterOnlyModel add(String name, float[] values, long... shape) {
        return put(name, manager.create(values, new Shape(shape)));
    }

    /** Adds a float32 parameter of {@code shape}, uninitialised: load it from a source before use. */
    public ParameterOnlyModel addEmpty(String name, long... shape) {
        return put(name, manager.create(new Shape(shape), DataType.FLOAT32));
    }

    private ParameterOnlyModel put(String name, NDArray array) {
        array.setRequiresGradient(true);
        parameters.put(name, Parameter.builder().setName(name).setType(Parameter.Type.WEIGHT).optArray(array).build());
        return this;
    }

    NDArray array(String name) {
        return parameters.get(name).getArray();
    }

    @Override
    public int vocabSize() {
        throw new UnsupportedOperationException();
    }

    @Override
    public int contextLength() {
        throw new UnsupportedOperationException();
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
        throw new UnsupportedOperationException();
    }

    @Override
    public KvCache newCache(NDManager manager, int batchSize, int capacity) {
        throw new UnsupportedOperationException();
    }

    @Override
    public LinkedHashMap<String, Parameter> namedParameters() {
        return new LinkedHashMap<>(parameters);
    }

    @Override
    public void setTrainable(boolean trainable) {
        parameters.values().forEach(parameter -> parameter.freeze(!trainable));
    }

    @Override
    public void close() {
        manager.close();
    }
}
