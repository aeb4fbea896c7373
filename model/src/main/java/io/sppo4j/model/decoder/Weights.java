package io.sppo4j.model.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import io.sppo4j.model.nd.Casts;

import java.util.List;

/**
 * A parameter's value in the type an operation needs. A cast is a new array, and DJL would
 * give it to the parameter's long-lived manager (where it would stay until the model closes):
 * it goes to the activations' manager instead, and dies with the step.
 */
final class Weights {

    private Weights() {}

    /** The parameter's array in {@code x}'s type; a cast belongs to {@code x}'s manager. */
    static NDArray like(Parameter parameter, NDArray x) {
        return as(parameter, Casts.typeOf(x), x);
    }

    /** An array (a parameter's, or a merged weight) in {@code x}'s type; a cast belongs to {@code x}'s manager. */
    static NDArray like(NDArray array, NDArray x) {
        return Casts.to(array, Casts.typeOf(x), x.getManager());
    }

    /** The parameter's array in {@code dtype}; a cast belongs to {@code owner}'s manager. */
    static NDArray as(Parameter parameter, DataType dtype, NDArray owner) {
        // Differentiable: a float32 master weight gets its gradient in float32.
        return Casts.to(parameter.getArray(), dtype, owner.getManager());
    }

    /** Appends the arrays of {@code parameters} in order, skipping absent (null) ones. */
    static void collectArrays(List<NDArray> into, Parameter... parameters) {
        for (Parameter parameter : parameters) {
            if (parameter != null) {
                into.add(parameter.getArray());
            }
        }
    }

    /** An optional parameter ({@link #like}), or null. */
    static NDArray likeOrNull(Parameter parameter, NDArray x) {
        return parameter == null ? null : like(parameter, x);
    }
}
