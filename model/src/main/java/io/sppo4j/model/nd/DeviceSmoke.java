package io.sppo4j.model.nd;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.SplittableRandom;

/**
 * One matrix product on a device against the same product on the CPU: proof that the device
 * computes, and computes what the CPU does, before anything heavier runs on it.
 *
 * @param device {@code cpu} or {@code gpu:N}
 * @param size the square matrices' side
 * @param maxAbsDifference the largest |device - CPU| over the product's entries
 * @param seconds the device's product, its copy back to the host included
 */
public record DeviceSmoke(String device, int size, double maxAbsDifference, double seconds) {

    /** FP32 GEMM on the device against the CPU; TF32 or a wrong kernel would show far above this. */
    public static final double TOLERANCE = 1e-3;

    public boolean matches() {
        return maxAbsDifference <= TOLERANCE; // false for NaN
    }

    public static DeviceSmoke run(Device device, int size) {
        float[] a = randomMatrix(size, 1);
        float[] b = randomMatrix(size, 2);
        Shape shape = new Shape(size, size);
        try (Autograd.Scope paused = Autograd.paused();
                NDManager cpu = NDManager.newBaseManager(Device.cpu());
                NDManager target = NDManager.newBaseManager(device)) {
            float[] expected = cpu.create(a, shape).matMul(cpu.create(b, shape)).toFloatArray();
            long started = System.nanoTime();
            float[] actual = target.create(a, shape).matMul(target.create(b, shape)).toFloatArray();
            double seconds = (System.nanoTime() - started) / 1e9;
            double worst = 0;
            for (int i = 0; i < expected.length; i++) {
                double difference = Math.abs(expected[i] - actual[i]);
                worst = Double.isNaN(difference) ? Double.NaN : Math.max(worst, difference);
            }
            return new DeviceSmoke(Devices.describe(device), size, worst, seconds);
        }
    }

    /** Entries uniform in [-1, 1) scaled by 1/sqrt(size), so the products stay near 1 whatever the size. */
    private static float[] randomMatrix(int size, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] values = new float[size * size];
        float scale = (float) (1 / Math.sqrt(size));
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (random.nextDouble(-1, 1) * scale);
        }
        return values;
    }
}
