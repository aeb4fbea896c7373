package io.sppo4j.model.decoder;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.sppo4j.model.nd.Casts;
import io.sppo4j.model.nd.TorchScript;

/**
 * Float16 copies of a model's weight matrices, packed for fbgemm's matrix product with float32
 * activations ({@code fbgemm_linear_fp16_weight_fp32_activation}, in the libtorch DJL loads):
 * what a CPU decoding in float32 multiplies by instead of the float32 matrices.
 *
 * <p>Why: a decoding step at batch 1 reads every weight once, and libtorch's float32
 * {@code linear} at one row streams 15–18 GB/s on the development machine while a plain read
 * reaches 31–62 GB/s. fbgemm's kernel over float16-packed weights reads half the bytes and ran
 * the same matrix-vector products 4.5 times faster ({@code bench llm}'s
 * {@code gemv_fp16_weights_speedup}). Activations, norms, attention and the KV cache stay in
 * float32; only the weights are rounded to float16 (11 significant bits, more than bfloat16's 8).
 *
 * <p>An instance holds the copy of one matrix (the output head; {@link FusedLayers} packs the
 * blocks' own): made the first time a pass uses it, remade when a pass brings another matrix, and
 * freed by {@link #clear()} after an in-place write (a new weight version). It lives in the
 * matrix's manager, so closing the model frees it too.
 */
public final class PackedFp16Weights {

    private static volatile TorchScript pack;
    private static volatile TorchScript linear;
    private static volatile Boolean available;

    /** The matrix whose copy is held, by identity, or null while none is. */
    private NDArray source;
    private NDArray copy;
    /** fbgemm's product takes a bias tensor, never None: the zeros of {@link #linear}'s output width. */
    private NDArray zeroBias;

    /**
     * Whether decoding on {@code device} in {@code compute} can multiply by packed float16
     * weights: a CPU computing in float32, with a libtorch built with fbgemm (x86-64).
     */
    public static boolean supported(Device device, DataType compute) {
        if (!device.isGpu() && compute == DataType.FLOAT32) {
            Boolean probed = available;
            if (probed == null) {
                probed = probe();
                available = probed;
            }
            return probed;
        }
        return false;
    }

    private static boolean probe() {
        try (NDManager scratch = NDManager.newBaseManager(Device.cpu())) {
            NDArray packedOnes = packScript().run(scratch, scratch.ones(new Shape(2, 2)));
            return linearScript().run(scratch, scratch.ones(new Shape(1, 2)), packedOnes, scratch.zeros(new Shape(2)))
                    .toFloatArray()[0] == 2f;
        } catch (RuntimeException e) {
            return false; // no fbgemm in this libtorch (an ARM build): decode with the float32 weights
        }
    }

    /** x·Wᵀ for an (out, in) float32 {@code matrix}, through its packed copy; the result is on {@code x}'s manager. */
    public NDArray linear(NDArray x, NDArray matrix) {
        NDArray packed;
        NDArray bias;
        synchronized (this) {
            if (source != matrix) {
                clear();
                NDManager owner = matrix.getManager();
                copy = pack(owner, matrix);
                zeroBias = owner.zeros(new Shape(matrix.getShape().get(0)));
                source = matrix;
            }
            packed = copy;
            bias = zeroBias;
        }
        return linearScript().run(x.getManager(), x, packed, bias);
    }

    /** Frees the packed copy: the matrix was written in place, and the next pass packs it anew. */
    public synchronized void clear() {
        if (copy != null) {
            copy.close();
            zeroBias.close();
        }
        source = null;
        copy = null;
        zeroBias = null;
    }

    /** Elements held in float16 now (2 bytes each, the memory ledger's figure). */
    public synchronized long packedParameters() {
        return source == null ? 0 : source.getShape().size();
    }

    /** The float16-packed copy of an (out, in) float32 {@code matrix}, owned by {@code owner}. */
    public static NDArray pack(NDManager owner, NDArray matrix) {
        if (Casts.typeOf(matrix) != DataType.FLOAT32) {
            throw new IllegalStateException("float16 packing takes float32 matrices, got " + Casts.typeOf(matrix));
        }
        return packScript().run(owner, matrix);
    }

    private static TorchScript packScript() {
        TorchScript script = pack;
        if (script == null) {
            script = TorchScript.compile("PackFp16Weights", "w: Tensor", "torch.fbgemm_pack_gemm_matrix_fp16(w)");
            pack = script;
        }
        return script;
    }

    private static TorchScript linearScript() {
        TorchScript script = linear;
        if (script == null) {
            script = TorchScript.compile("PackedFp16Linear", "x: Tensor, w: Tensor, b: Tensor",
                    "torch.fbgemm_linear_fp16_weight_fp32_activation(x, w, b)");
            linear = script;
        }
        return script;
    }
}
