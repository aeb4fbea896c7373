package io.sppo4j.model.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;

import java.util.LinkedHashMap;

/**
 * Where a model's parameters come from: read from a checkpoint, or drawn from a seed. The
 * decoder declares each parameter once, with its checkpoint name, shape and initialisation;
 * the source supplies the array and remembers the declaration order, which is the order of
 * snapshots and checkpoints.
 */
public abstract class ParameterSource {

    private final NDManager manager;
    private final DataType storage;
    private final LinkedHashMap<String, Parameter> parameters = new LinkedHashMap<>();
    /** The adapters projections declared here get, or null for full fine-tuning. */
    private LoraAdapters adapters;

    /**
     * @param manager owns every parameter array
     * @param storage the type parameters are kept in
     */
    protected ParameterSource(NDManager manager, DataType storage) {
        this.manager = manager;
        this.storage = storage;
    }

    /** The array of a parameter, of {@link #storage()} type on the manager's device, owned by the manager. */
    protected abstract NDArray create(String name, Init init, long... shape);

    protected final NDManager manager() {
        return manager;
    }

    protected final DataType storage() {
        return storage;
    }

    /** Declares a parameter that records gradients; names must be unique. */
    public final Parameter declare(String name, Init init, long... shape) {
        if (parameters.containsKey(name)) {
            throw new IllegalStateException("parameter '" + name + "' declared twice");
        }
        NDArray array = create(name, init, shape);
        array.setRequiresGradient(true);
        Parameter parameter = Parameter.builder()
                .setName(name)
                .setType(shape.length >= 2 ? Parameter.Type.WEIGHT : Parameter.Type.BIAS)
                .optArray(array)
                .build();
        parameters.put(name, parameter);
        return parameter;
    }

    /** {@link #declare} when {@code present}, else null (an optional bias). */
    public final Parameter declareIf(boolean present, String name, Init init, long... shape) {
        return present ? declare(name, init, shape) : null;
    }

    /** Projections declared from now on get adapters where {@code adapters} target them. */
    public final void adaptWith(LoraAdapters adapters) {
        this.adapters = adapters;
    }

    /** The adapters projections get, or null. */
    public final LoraAdapters adapters() {
        return adapters;
    }

    /** A copy of the name → parameter map, in declaration order. */
    public final LinkedHashMap<String, Parameter> named() {
        return new LinkedHashMap<>(parameters);
    }

    /** Whether every parameter records gradients. */
    public final void setTrainable(boolean trainable) {
        for (Parameter parameter : parameters.values()) {
            parameter.freeze(!trainable);
        }
    }
}
