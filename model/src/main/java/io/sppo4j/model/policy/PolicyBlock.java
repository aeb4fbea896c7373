package io.sppo4j.model.policy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;

/**
 * Base of the policy's blocks: parameters are declared with their shapes up front (no shape
 * inference), each with its own seeded initialiser, and children are initialised with them.
 */
abstract class PolicyBlock extends AbstractBlock {

    private final long seed;
    private final String path;

    PolicyBlock(long seed, String path) {
        this.seed = seed;
        this.path = path;
    }

    /** A weight drawn from Normal(0, std). */
    final Parameter normal(String name, double std, long... shape) {
        return declare(name, Parameter.Type.WEIGHT, new SeededNormalInitializer(seed, path + name, std), shape);
    }

    /** A bias or LayerNorm shift, initialised to zero. */
    final Parameter zeros(String name, long... shape) {
        return declare(name, Parameter.Type.BIAS, Initializer.ZEROS, shape);
    }

    /** A LayerNorm scale, initialised to one. */
    final Parameter ones(String name, long... shape) {
        return declare(name, Parameter.Type.GAMMA, Initializer.ONES, shape);
    }

    private Parameter declare(String name, Parameter.Type type, Initializer init, long... shape) {
        return addParameter(
                Parameter.builder()
                        .setName(name)
                        .setType(type)
                        .optShape(new Shape(shape))
                        .optInitializer(init)
                        .build());
    }

    final String childPath(String name) {
        return path + name + ".";
    }

    final long seed() {
        return seed;
    }

    static NDArray value(ParameterStore store, Parameter parameter, NDArray like, boolean training) {
        return store.getValue(parameter, like.getDevice(), training);
    }

    /** x·Wᵀ + b over the last axis; the result belongs to {@code x}'s manager. */
    static NDArray linear(ParameterStore store, NDArray x, Parameter weight, Parameter bias, boolean training) {
        return Linear.linear(x, value(store, weight, x, training), value(store, bias, x, training)).singletonOrThrow();
    }

    /** LayerNorm over the last axis (GPT-2's eps 1e-5). */
    static NDArray layerNorm(ParameterStore store, NDArray x, Parameter weight, Parameter bias, boolean training) {
        return LayerNorms.apply(x, value(store, weight, x, training), value(store, bias, x, training));
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        for (Block child : getChildren().values()) {
            child.initialize(manager, dataType, inputShapes);
        }
    }
}
