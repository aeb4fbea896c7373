package io.sppo4j.cluster.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import io.sppo4j.model.decoder.PackedFp16Weights;
import io.sppo4j.model.nd.Autograd;
import io.sppo4j.model.nd.Casts;
import io.sppo4j.model.nd.TorchScript;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * What this machine can do, measured through the same libtorch and threads as the phases held
 * against it: memory bandwidth (reading a large array, as decoding reads its weights), matrix
 * multiply throughput (as the learner's forward and backward are), and the bytes per second
 * libtorch's own matrix-vector product streams (what a batch-1 decoding step runs on).
 *
 * <p>The last tells a slow kernel from a slow caller: on the 2-core development machine a read
 * reaches 37–58 GB/s but {@code linear} at batch 1 streams 15–18 GB/s in float32 whatever the
 * thread count, so a decoder calling it can reach only that share of the bandwidth bound.
 *
 * @param bandwidthBytesPerSecond best of several full reads of {@code probeBytes}
 * @param gemmFlopsPerSecond best of several square products in the compute type
 * @param gemvBytesPerSecond best of several passes of one row through matrices of the model's
 *     MLP shape (at least 2¹⁸ elements: a tiny test model's are made taller), {@code probeBytes}
 *     of them in the decoding type, one {@code linear} each
 * @param fp16WeightGemvSpeedup on a CPU decoding in float32: how many times faster the same pass
 *     runs through fbgemm's matrix-vector product on float16-packed weights
 *     ({@code fbgemm_linear_fp16_weight_fp32_activation}, half the bytes, float32 activations)
 *     than through {@code linear} on the float32 weights, both in one TorchScript loop so that
 *     only the kernel differs; NaN elsewhere. The headroom a decoder holding float16 weights
 *     would have on this machine.
 */
public record MachineLimits(double bandwidthBytesPerSecond, double gemmFlopsPerSecond, double gemvBytesPerSecond,
        double fp16WeightGemvSpeedup, long probeBytes, int gemmSize) {

    /** Larger than any last-level cache, so the read comes from memory. */
    private static final long PROBE_BYTES = 1L << 29;
    private static final int GEMM = 2048;
    private static final int REPEATS = 5;
    /** The smallest matrix the matrix-vector probes use (1 MB in float32); real models' MLP matrices are larger. */
    private static final long MIN_MATRIX_ELEMENTS = 1L << 18;

    /**
     * Measures the limits on {@code device}.
     *
     * @param compute the type the learner multiplies in
     * @param decoding the type decoding multiplies in
     * @param rows the model's widest matrix (the MLP's intermediate size)
     * @param columns its input width (the hidden size)
     */
    public static MachineLimits measure(Device device, DataType compute, DataType decoding, long rows, long columns) {
        // A tiny test model's matrices would take tens of thousands of arrays to fill the probe,
        // each made and multiplied by its own call: taller ones of the same width stream the same way.
        rows = Math.max(rows, (MIN_MATRIX_ELEMENTS + columns - 1) / columns);
        try (Autograd.Scope inference = Autograd.paused(); NDManager manager = NDManager.newBaseManager(device)) {
            double fp16Speedup = device.isGpu() || decoding != DataType.FLOAT32
                    ? Double.NaN : fp16WeightGemvSpeedup(manager, rows, columns);
            return new MachineLimits(bandwidth(manager), gemm(manager, compute), gemv(manager, decoding, rows, columns),
                    fp16Speedup, PROBE_BYTES, GEMM);
        }
    }

    private static double bandwidth(NDManager manager) {
        NDArray data = manager.ones(new Shape(PROBE_BYTES / 4), DataType.FLOAT32);
        return PROBE_BYTES / bestSeconds(manager, scope -> data.sum());
    }

    private static double gemv(NDManager manager, DataType type, long rows, long columns) {
        long bytesEach = rows * columns * type.getNumOfBytes();
        int count = (int) Math.max(2, PROBE_BYTES / bytesEach); // more than any cache, as a model's weights are
        try (NDManager probe = manager.newSubManager()) {
            List<NDArray> matrices = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                NDArray matrix = Casts.to(probe.ones(new Shape(rows, columns)), type);
                matrix.attach(probe);
                matrices.add(matrix);
            }
            NDArray row = Casts.to(probe.randomNormal(new Shape(1, columns)), type);
            row.attach(probe);
            return count * bytesEach / bestSeconds(probe, scope -> {
                NDArray last = null;
                for (NDArray matrix : matrices) {
                    last = Linear.linear(row, matrix, null).singletonOrThrow();
                    last.attach(scope);
                }
                return last;
            });
        }
    }

    /** One row through every matrix, results summed so that no pass can be left out. */
    private static final String CHAIN = "    y = torch.zeros_like(b)\n    for w in ws:\n      y = y + %s\n    return y\n";

    private static double fp16WeightGemvSpeedup(NDManager manager, long rows, long columns) {
        TorchScript packed = chain("Fp16WeightChain", "torch.fbgemm_linear_fp16_weight_fp32_activation(x, w, b)");
        TorchScript plain = chain("Fp32WeightChain", "torch.linear(x, w, b)");
        int count = (int) Math.max(2, PROBE_BYTES / (rows * columns * 4));
        try (NDManager probe = manager.newSubManager()) {
            List<NDArray> matrices = new ArrayList<>();
            List<NDArray> halves = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                NDArray matrix = probe.randomNormal(new Shape(rows, columns));
                matrices.add(matrix);
                halves.add(PackedFp16Weights.pack(probe, matrix));
            }
            NDArray row = probe.randomNormal(new Shape(1, columns));
            NDArray bias = probe.zeros(new Shape(rows));
            double fp32 = bestSeconds(probe, scope -> plain.run(scope, row, matrices, bias));
            double fp16 = bestSeconds(probe, scope -> packed.run(scope, row, halves, bias));
            return fp32 / fp16;
        }
    }

    private static TorchScript chain(String name, String linear) {
        return TorchScript.compileForward(name, "  def forward(self: __torch__." + name
                + ", x: Tensor, ws: List[Tensor], b: Tensor) -> Tensor:\n" + String.format(CHAIN, linear));
    }

    private static double gemm(NDManager manager, DataType compute) {
        NDArray a = Casts.to(manager.randomNormal(new Shape(GEMM, GEMM)), compute);
        NDArray b = Casts.to(manager.randomNormal(new Shape(GEMM, GEMM)), compute);
        return 2.0 * GEMM * GEMM * GEMM / bestSeconds(manager, scope -> a.matMul(b));
    }

    /**
     * The best of {@link #REPEATS} runs of {@code work}, each timed until the first element of its
     * result is on the host (so also on a GPU, where the call returns before the work is done).
     * What {@code work} makes lives in the scope it is given, closed after each run.
     */
    private static double bestSeconds(NDManager manager, Function<NDManager, NDArray> work) {
        double best = Double.MAX_VALUE;
        for (int i = 0; i < REPEATS; i++) {
            try (NDManager scope = manager.newSubManager()) {
                long start = System.nanoTime();
                NDArray result = work.apply(scope);
                result.attach(scope);
                NDArray first = Casts.to(result.reshape(-1).get(0), DataType.FLOAT32);
                first.attach(scope);
                first.getFloat();
                best = Math.min(best, (System.nanoTime() - start) / 1e9);
            }
        }
        return best;
    }
}
