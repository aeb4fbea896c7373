package io.sppo4j.model.policy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.initializer.Initializer;

import java.util.SplittableRandom;

/**
 * Normal(0, std) initial values drawn on the host from a seed of their own.
 *
 * <p>DJL's initialisers draw from the engine's one global generator, so two policies built in
 * one process would depend on construction order. Seeding each parameter from (model seed,
 * parameter name) makes a policy a pure function of its config and seed.
 */
final class SeededNormalInitializer implements Initializer {

    private final long seed;
    private final double std;

    SeededNormalInitializer(long modelSeed, String parameterName, double std) {
        this.seed = modelSeed * 0x9E3779B97F4A7C15L + parameterName.hashCode();
        this.std = std;
    }

    @Override
    public NDArray initialize(NDManager manager, Shape shape, DataType dataType) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] values = new float[Math.toIntExact(shape.size())];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (gaussian(random) * std);
        }
        return manager.create(values, shape).toType(dataType, false);
    }

    /** Box–Muller; SplittableRandom has no nextGaussian on Java 17. */
    private static double gaussian(SplittableRandom random) {
        double u1 = 1.0 - random.nextDouble(); // (0, 1]
        double u2 = random.nextDouble();
        return Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2.0 * Math.PI * u2);
    }
}
