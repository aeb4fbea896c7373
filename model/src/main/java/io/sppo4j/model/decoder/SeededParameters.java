package io.sppo4j.model.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.SplittableRandom;

/**
 * Parameters drawn on the host from a seed: a model is a pure function of its config and seed.
 *
 * <p>DJL's initialisers draw from the engine's one global generator, so two models built in one
 * process would depend on construction order. Each parameter here draws from a generator of its
 * own, seeded from (model seed, parameter name). Large tensors are drawn and copied a slab of
 * rows at a time, so a 150k-token embedding never sits whole on the Java heap.
 */
public final class SeededParameters extends ParameterSource {

    /** Floats drawn per host slab (16 MiB). */
    private static final int SLAB = 4 << 20;

    private final long seed;

    public SeededParameters(NDManager manager, DataType storage, long seed) {
        super(manager, storage);
        this.seed = seed;
    }

    @Override
    protected NDArray create(String name, Init init, long... dims) {
        Shape shape = new Shape(dims);
        NDArray array = switch (init.kind()) {
            case ZEROS -> manager().zeros(shape, storage());
            case ONES -> manager().ones(shape, storage());
            case NORMAL -> normal(name, init.std(), shape);
        };
        return array;
    }

    private NDArray normal(String name, double std, Shape shape) {
        SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + name.hashCode());
        long rows = shape.dimension() == 0 ? 1 : shape.get(0);
        long rowSize = shape.size() / Math.max(1, rows);
        long rowsPerSlab = Math.max(1, SLAB / Math.max(1, rowSize));
        if (rowsPerSlab >= rows) {
            return draw(random, std, shape, manager());
        }
        NDArray array = manager().zeros(shape, storage());
        try (NDManager scope = manager().newSubManager()) {
            for (long first = 0; first < rows; first += rowsPerSlab) {
                long last = Math.min(rows, first + rowsPerSlab);
                Shape slab = new Shape(last - first).addAll(shape.slice(1));
                array.set(new NDIndex("{}:{}", first, last), draw(random, std, slab, scope));
            }
        }
        return array;
    }

    /** Box–Muller (SplittableRandom has no nextGaussian on Java 17), in float32, then cast to the storage type. */
    private NDArray draw(SplittableRandom random, double std, Shape shape, NDManager owner) {
        float[] values = new float[Math.toIntExact(shape.size())];
        for (int i = 0; i < values.length; i++) {
            double u1 = 1.0 - random.nextDouble(); // (0, 1]
            double u2 = random.nextDouble();
            values[i] = (float) (Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2.0 * Math.PI * u2) * std);
        }
        NDArray drawn = owner.create(values, shape);
        if (storage() == DataType.FLOAT32) {
            return drawn;
        }
        NDArray cast = drawn.toType(storage(), false);
        drawn.close();
        return cast;
    }
}
