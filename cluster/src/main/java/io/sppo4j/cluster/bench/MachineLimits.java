package io.sppo4j.cluster.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.sppo4j.model.nd.Autograd;
import io.sppo4j.model.nd.Casts;

/**
 * What this machine can do, measured through the same libtorch and threads as the phases held
 * against it: memory bandwidth (reading a large array, as decoding reads its weights) and matrix
 * multiply throughput (as the learner's forward and backward are).
 *
 * @param bandwidthBytesPerSecond best of several full reads of {@code probeBytes}
 * @param gemmFlopsPerSecond best of several square products in the compute type
 */
public record MachineLimits(double bandwidthBytesPerSecond, double gemmFlopsPerSecond, long probeBytes, int gemmSize) {

    /** Larger than any last-level cache, so the read comes from memory. */
    private static final long PROBE_BYTES = 1L << 29;
    private static final int GEMM = 2048;
    private static final int REPEATS = 5;

    /** Measures both limits on {@code device}; {@code compute} is the type the learner multiplies in. */
    public static MachineLimits measure(Device device, DataType compute) {
        try (Autograd.Scope inference = Autograd.paused(); NDManager manager = NDManager.newBaseManager(device)) {
            return new MachineLimits(bandwidth(manager), gemm(manager, compute), PROBE_BYTES, GEMM);
        }
    }

    private static double bandwidth(NDManager manager) {
        NDArray data = manager.ones(new Shape(PROBE_BYTES / 4), DataType.FLOAT32);
        double best = Double.MAX_VALUE;
        for (int i = 0; i < REPEATS; i++) {
            try (NDManager scope = manager.newSubManager()) {
                long start = System.nanoTime();
                NDArray sum = data.sum();
                sum.attach(scope);
                sum.getFloat(); // waits for the read to finish, also on a GPU
                best = Math.min(best, (System.nanoTime() - start) / 1e9);
            }
        }
        return PROBE_BYTES / best;
    }

    private static double gemm(NDManager manager, DataType compute) {
        NDArray a = Casts.to(manager.randomNormal(new Shape(GEMM, GEMM)), compute);
        NDArray b = Casts.to(manager.randomNormal(new Shape(GEMM, GEMM)), compute);
        double best = Double.MAX_VALUE;
        for (int i = 0; i < REPEATS; i++) {
            try (NDManager scope = manager.newSubManager()) {
                long start = System.nanoTime();
                NDArray product = a.matMul(b);
                product.attach(scope);
                NDArray first = Casts.to(product.get("0, 0"), DataType.FLOAT32);
                first.attach(scope);
                first.getFloat();
                best = Math.min(best, (System.nanoTime() - start) / 1e9);
            }
        }
        return 2.0 * GEMM * GEMM * GEMM / best;
    }
}
