package io.sppo4j.model.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;

/**
 * A parameter's value in the type an operation needs. A cast is a new array, and DJL would
 * give it to the parameter's long-lived manager (where it would stay until the model closes):
 * it goes to the activations' manager instead, and dies with the step.
 */
final class Weights {

    private Weights() {}

    /** The parameter's array in {@code x}'s type; a cast belongs to {@code x}'s manager. */
    static NDArray like(Parameter parameter, NDArray x) {
        return as(parameter, x.getDataType(), x);
    }

    /** The parameter's array in {@code dtype}; a cast belongs to {@code owner}'s manager. */
    static NDArray as(Parameter parameter, DataType dtype, NDArray owner) {
        NDArray value = parameter.getArray();
        if (value.getDataType() == dtype) {
            return value;
        }
        NDArray cast = value.toType(dtype, false); // differentiable: a float32 master gets a float32 gradient
        cast.attach(owner.getManager());
        return cast;
    }

    /** An optional parameter ({@link #like}), or null. */
    static NDArray likeOrNull(Parameter parameter, NDArray x) {
        return parameter == null ? null : like(parameter, x);
    }
}
