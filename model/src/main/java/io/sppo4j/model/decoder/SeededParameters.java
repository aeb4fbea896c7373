package io.sppo4j.model.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.sppo4j.model.nd.Casts;
import io.sppo4j.model.nd.DirectBuffers;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
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
    private final double uniformStd;

    /** GPT-2's scheme: each parameter as its {@link Init} says. */
    public SeededParameters(NDManager manager, DataType storage, long seed) {
        this(manager, storage, seed, 0);
    }

    /**
     * @param uniformStd when positive, every weight drawn from N(0, uniformStd) whatever its
     *     {@link Init} says, as transformers' {@code _init_weights} draws a model made from a config
     *     ({@code initializer_range}); biases and norms as their {@link Init} says
     */
    public SeededParameters(NDManager manager, DataType storage, long seed, double uniformStd) {
        super(manager, storage);
        this.seed = seed;
        this.uniformStd = uniformStd;
    }

    @Override
    protected NDArray create(String name, Init init, long... dims) {
        Shape shape = new Shape(dims);
        NDArray array = switch (init.kind()) {
            case ZEROS -> Casts.zeros(manager(), shape, storage());
            case ONES -> stored(manager().ones(shape));
            case NORMAL -> drawn(name, normal(uniformStd > 0 ? uniformStd : init.std()), shape);
            case UNIFORM -> drawn(name, uniform(init.std()), shape);
        };
        return array;
    }

    /** Draws one value. */
    @FunctionalInterface
    private interface Distribution {
        float next(SplittableRandom random);
    }

    /** Box–Muller (SplittableRandom has no nextGaussian on Java 17). */
    private static Distribution normal(double std) {
        return random -> {
            double u1 = 1.0 - random.nextDouble(); // (0, 1]
            double u2 = random.nextDouble();
            return (float) (Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2.0 * Math.PI * u2) * std);
        };
    }

    private static Distribution uniform(double bound) {
        return random -> (float) ((2 * random.nextDouble() - 1) * bound);
    }

    private NDArray drawn(String name, Distribution distribution, Shape shape) {
        SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + name.hashCode());
        long rows = shape.dimension() == 0 ? 1 : shape.get(0);
        long rowSize = shape.size() / Math.max(1, rows);
        long rowsPerSlab = Math.max(1, SLAB / Math.max(1, rowSize));
        if (rowsPerSlab >= rows) {
            return draw(random, distribution, shape, manager());
        }
        NDArray array = Casts.zeros(manager(), shape, storage());
        for (long first = 0; first < rows; first += rowsPerSlab) {
            long last = Math.min(rows, first + rowsPerSlab);
            Shape slab = new Shape(last - first).addAll(shape.slice(1));
            ByteBuffer values = ByteBuffer.allocateDirect(Math.toIntExact(slab.size() * 4)).order(ByteOrder.nativeOrder());
            fill(random, distribution, values.asFloatBuffer());
            try (NDManager scope = manager().newSubManager()) {
                array.set(new NDIndex("{}:{}", first, last), Casts.to(scope.create(values, slab, DataType.FLOAT32), storage()));
            }
            DirectBuffers.free(values); // a slab at a time, however large the table
        }
        return array;
    }

    /** Drawn in float32, then cast to the storage type. */
    private NDArray draw(SplittableRandom random, Distribution distribution, Shape shape, NDManager owner) {
        float[] values = new float[Math.toIntExact(shape.size())];
        fill(random, distribution, FloatBuffer.wrap(values));
        return stored(owner.create(values, shape));
    }

    private static void fill(SplittableRandom random, Distribution distribution, FloatBuffer into) {
        while (into.hasRemaining()) {
            into.put(distribution.next(random));
        }
    }

    /** A float32 array in the storage type, on its own manager; the float32 one is closed when cast. */
    private NDArray stored(NDArray float32) {
        NDArray cast = Casts.to(float32, storage());
        if (cast != float32) {
            float32.close();
        }
        return cast;
    }
}
