package io.sppo4j.model.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.sppo4j.model.nd.Casts;
import io.sppo4j.model.nd.TorchScript;
import io.sppo4j.model.policy.KvCache;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every block of a Llama-layout decoder in one call into libtorch, for cached passes without
 * gradients (decoding): a TorchScript function runs the same operations as {@link DecoderBlock},
 * {@link Attention}, {@link Norm} and {@link FeedForward}, in the same order and types.
 *
 * <p>Why: a decoding step at batch 1 reads every weight once, so its floor is the weights' bytes
 * over the memory bandwidth (about 11 ms for SmolLM2-135M in float32 here). Through DJL each of
 * the ~60 operations of a block is a call from Java with an array object to make, register and
 * free; 30 blocks made that ~1,800 calls and ~60 ms a token, five times the floor. TorchScript's
 * interpreter dispatches the same operations in a few microseconds each.
 *
 * <p>Only where the result is the same: the Llama layout with SwiGLU, no MLP biases, every weight
 * already in the compute type (rollout, evaluator and reference copies; a learner that casts
 * float32 master weights per operation keeps the per-operation path), no dropout.
 *
 * <p>A second body multiplies by float16-packed copies of the matrices through fbgemm
 * ({@link PackedFp16Weights}, {@code sppo4j.rollout.fp16-packed-weights}): on a CPU in float32,
 * where libtorch's own {@code linear} at one row streams a fraction of the memory bandwidth.
 */
final class FusedLayers {

    /** Compiled once per bias layout and weight kind: (q/k/v bias, output bias, packed float16 weights). */
    private static final Map<String, TorchScript> COMPILED = new ConcurrentHashMap<>();

    private final DecoderConfig config;
    private final List<DecoderBlock> blocks;
    private final float scale;
    /** The block arrays the packed copies were made from (by identity), or null while none are. */
    private List<NDArray> packedFrom;
    /** Per block: input norm, q|k|v packed, their bias, o packed, its bias, post-attention norm, gate|up packed, bias, down packed, bias. */
    private List<NDArray> packedArrays;
    private NDManager packedOwner;
    private long packedParameters;

    private FusedLayers(DecoderConfig config, List<DecoderBlock> blocks) {
        this.config = config;
        this.blocks = blocks;
        this.scale = (float) (1.0 / Math.sqrt(config.headDim()));
    }

    private TorchScript script(boolean packedWeights) {
        String key = config.qkvBias() + "," + config.outputBias() + "," + packedWeights;
        return COMPILED.computeIfAbsent(key, k -> TorchScript.compileForward("FusedLlamaLayers",
                source(config.qkvBias(), config.outputBias(), packedWeights)));
    }

    /** The fused pass of {@code blocks}, or null where {@code config} is not one it computes exactly. */
    static FusedLayers forBlocks(DecoderConfig config, List<DecoderBlock> blocks) {
        return supports(config) ? new FusedLayers(config, blocks) : null;
    }

    /** Whether the fused pass computes {@code config}'s blocks exactly: the Llama layout with SwiGLU and no MLP biases. */
    static boolean supports(DecoderConfig config) {
        return config.layout() == DecoderConfig.Layout.LLAMA
                && config.activation() == DecoderConfig.Activation.SILU
                && config.rotary() != null
                && !config.mlpBias();
    }

    /**
     * Whether the blocks' arrays are all of {@code compute} type: a learner's float32 master
     * weights under a bfloat16 compute type are cast per operation, which the fused pass does not.
     */
    boolean appliesTo(DataType compute) {
        for (NDArray array : arrays()) {
            if (Casts.typeOf(array) != compute) {
                return false;
            }
        }
        return true;
    }

    /**
     * Runs every block over {@code x}, writing the new keys and values into {@code cache} after
     * its {@code cache.length()} positions (the caller advances it).
     *
     * @param x (B, T, D) embedded input in the compute type
     * @param bias (B, 1, T, Tk) additive attention mask
     * @param packedWeights multiply by float16-packed copies of the matrices ({@link PackedFp16Weights}):
     *     float32 compute on a CPU only
     * @return (B, T, D) the last block's output, before the final norm, on {@code x}'s manager
     */
    NDArray forward(NDArray x, NDArray bias, RotaryEmbedding.Angles angles, KvCache cache, boolean packedWeights) {
        List<NDArray> weights = packedWeights ? packedArrays() : arrays();
        return script(packedWeights).run(x.getManager(), x, bias, angles.cos(), angles.sin(), cache.length(), weights,
                cache.keyBuffers(), cache.valueBuffers(), config.heads(), config.kvHeads(), config.headDim(),
                config.intermediateSize(), (double) (float) config.normEpsilon(), (double) scale);
    }

    /**
     * The float16-packed layout of the blocks, made at the first packed pass and again when the
     * arrays changed (a LoRA model's newly merged weights). q, k and v are packed as one matrix,
     * and gate and up as another: fewer, wider products stream the weights faster at batch 1.
     * Projections without a bias get zeros (fbgemm's product takes no None).
     */
    private synchronized List<NDArray> packedArrays() {
        List<NDArray> arrays = arrays();
        if (packedArrays != null && sameArrays(arrays, packedFrom)) {
            return packedArrays;
        }
        releasePacked();
        boolean qkvBias = config.qkvBias();
        Offsets at = Offsets.plain(qkvBias, config.outputBias());
        int stride = at.stride();
        int k = at.k();
        int v = at.v();
        int o = at.o();
        int norm2 = at.norm2();
        NDManager owner = arrays.get(0).getManager().newSubManager();
        List<NDArray> packed = new ArrayList<>();
        long elements = 0;
        for (int n = 0; n < arrays.size(); n += stride) {
            NDArray wq = arrays.get(n + 1);
            NDArray wk = arrays.get(n + k);
            NDArray wv = arrays.get(n + v);
            NDArray wo = arrays.get(n + o);
            NDArray gate = arrays.get(n + norm2 + 1);
            NDArray up = arrays.get(n + norm2 + 2);
            NDArray down = arrays.get(n + norm2 + 3);
            packed.add(arrays.get(n));
            packed.add(packJoined(owner, wq, wk, wv));
            packed.add(qkvBias ? joined(owner, arrays.get(n + 2), arrays.get(n + k + 1), arrays.get(n + v + 1))
                    : owner.zeros(new Shape(wq.getShape().get(0) + wk.getShape().get(0) + wv.getShape().get(0))));
            packed.add(PackedFp16Weights.pack(owner, wo));
            packed.add(config.outputBias() ? arrays.get(n + o + 1) : owner.zeros(new Shape(wo.getShape().get(0))));
            packed.add(arrays.get(n + norm2));
            packed.add(packJoined(owner, gate, up));
            packed.add(owner.zeros(new Shape(gate.getShape().get(0) + up.getShape().get(0))));
            packed.add(PackedFp16Weights.pack(owner, down));
            packed.add(owner.zeros(new Shape(down.getShape().get(0))));
            for (NDArray matrix : List.of(wq, wk, wv, wo, gate, up, down)) {
                elements += matrix.getShape().size();
            }
        }
        packedOwner = owner;
        packedFrom = arrays;
        packedArrays = packed;
        packedParameters = elements;
        return packed;
    }

    /** Frees the packed copies: the weights were written in place, or packing was turned off. */
    synchronized void releasePacked() {
        if (packedOwner != null) {
            packedOwner.close();
        }
        packedOwner = null;
        packedFrom = null;
        packedArrays = null;
        packedParameters = 0;
    }

    /** Elements of the blocks' matrices held as float16 copies now. */
    synchronized long packedParameters() {
        return packedParameters;
    }

    private static NDArray packJoined(NDManager owner, NDArray... matrices) {
        try (NDManager scratch = owner.newSubManager()) {
            return PackedFp16Weights.pack(owner, joined(scratch, matrices));
        }
    }

    /** The arrays stacked along their first axis, owned by {@code owner}. */
    private static NDArray joined(NDManager owner, NDArray... arrays) {
        NDArray result = NDArrays.concat(new NDList(arrays), 0);
        result.attach(owner);
        return result;
    }

    private static boolean sameArrays(List<NDArray> a, List<NDArray> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (a.get(i) != b.get(i)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Where a block's arrays sit in the list a body reads, from the block's first (its input
     * norm): q, k, v and o (each followed by its bias where it has one), the post-attention norm
     * (gate, up and down follow it), and the block's length.
     */
    private record Offsets(int q, int k, int v, int o, int norm2, int stride) {

        /** {@link DecoderBlock#collectArrays} order. */
        static Offsets plain(boolean qkvBias, boolean outputBias) {
            int step = qkvBias ? 2 : 1;
            int o = 1 + 3 * step;
            int norm2 = o + (outputBias ? 2 : 1);
            return new Offsets(1, 1 + step, 1 + 2 * step, o, norm2, norm2 + 4);
        }

        /** {@link #packedArrays()}' order: q|k|v and its bias, o and its bias, norm, gate|up and its bias, down and its bias. */
        static final Offsets PACKED = new Offsets(1, 1, 1, 3, 5, 10);
    }

    /** The blocks' arrays now (an import may have replaced them since the last call). */
    private List<NDArray> arrays() {
        List<NDArray> arrays = new ArrayList<>();
        for (DecoderBlock block : blocks) {
            block.collectArrays(arrays);
        }
        return arrays;
    }

    /**
     * TorchScript of the blocks, operation for operation as the Java path computes them. The
     * arrays of a block, in {@link DecoderBlock#collectArrays} order: input norm, q (+ bias), k
     * (+ bias), v (+ bias), o (+ bias), post-attention norm, gate, up, down. With {@code packed}
     * the arrays are {@link #packedArrays()}' and every matrix product runs through fbgemm on
     * float16-packed weights: q, k, v as one product split after it, gate and up as another.
     */
    static String source(boolean qkvBias, boolean outputBias, boolean packed) {
        Offsets at = packed ? Offsets.PACKED : Offsets.plain(qkvBias, outputBias);
        int stride = at.stride();
        int q = at.q();
        int k = at.k();
        int v = at.v();
        int o = at.o();
        int norm2 = at.norm2();
        StringBuilder code = new StringBuilder();
        code.append("  def forward(self: __torch__.FusedLlamaLayers, x: Tensor, bias: Tensor, cos: Tensor, sin: Tensor,"
                + " start: int, w: List[Tensor], keys: List[Tensor], values: List[Tensor], heads: int, kv_heads: int,"
                + " head_dim: int, inter: int, eps: float, scale: float) -> Tensor:\n");
        code.append("    b = x.size(0)\n");
        code.append("    t = x.size(1)\n");
        code.append("    end = start + t\n");
        code.append("    group = heads // kv_heads\n");
        code.append("    half = head_dim // 2\n");
        code.append("    qd = heads * head_dim\n");
        code.append("    kvd = kv_heads * head_dim\n");
        code.append("    for i in range(len(keys)):\n");
        code.append("      n = i * ").append(stride).append('\n');
        code.append(rmsNorm(0));
        if (packed) {
            code.append("      qkv = ").append(packedLinear("h", q)).append('\n'); // q, k and v packed as one, at q
            code.append("      q = qkv.narrow(-1, 0, qd).reshape([b, t, heads, head_dim]).transpose(1, 2)\n");
            code.append("      k = qkv.narrow(-1, qd, kvd).reshape([b, t, kv_heads, head_dim]).transpose(1, 2)\n");
            code.append("      v = qkv.narrow(-1, qd + kvd, kvd).reshape([b, t, kv_heads, head_dim]).transpose(1, 2)\n");
        } else {
            code.append("      q = ").append(linear("h", q, qkvBias)).append(".view([b, t, heads, head_dim]).transpose(1, 2)\n");
            code.append("      k = ").append(linear("h", k, qkvBias)).append(".view([b, t, kv_heads, head_dim]).transpose(1, 2)\n");
            code.append("      v = ").append(linear("h", v, qkvBias)).append(".view([b, t, kv_heads, head_dim]).transpose(1, 2)\n");
        }
        code.append(rotate("q")).append(rotate("k"));
        // The cache (KvCache.append): write the new positions, read everything so far.
        code.append("      kc = keys[i]\n");
        code.append("      vc = values[i]\n");
        code.append("      kc[:, :, start:end, :] = k\n");
        code.append("      vc[:, :, start:end, :] = v\n");
        code.append("      kk = kc[:, :, :end, :]\n");
        code.append("      vv = vc[:, :, :end, :]\n");
        // Grouped attention (Attention.attend): query groups by reshaping, softmax in float32.
        code.append("      s = torch.mul(torch.matmul(q.reshape([b, kv_heads, group * t, head_dim]), kk.transpose(2, 3)), scale)\n");
        code.append("      s = torch.add(s.reshape([b, heads, t, end]), bias)\n");
        code.append("      a = torch.softmax(s.float(), -1).to(s.dtype)\n");
        code.append("      y = torch.matmul(a.reshape([b, kv_heads, group * t, end]), vv)\n");
        code.append("      y = y.reshape([b, heads, t, head_dim]).transpose(1, 2).reshape([b, t, heads * head_dim])\n");
        code.append("      x = torch.add(x, ").append(packed ? packedLinear("y", o) : linear("y", o, outputBias)).append(")\n");
        code.append(rmsNorm(norm2));
        // SwiGLU (FeedForward.apply): down(gate·σ(gate) · up).
        if (packed) {
            code.append("      gu = ").append(packedLinear("h", norm2 + 1)).append('\n');
            code.append("      g = gu.narrow(-1, 0, inter)\n");
            code.append("      u = gu.narrow(-1, inter, inter)\n");
            code.append("      x = torch.add(x, ").append(packedLinear("torch.mul(torch.mul(g, torch.sigmoid(g)), u)", norm2 + 3))
                    .append(")\n");
        } else {
            code.append("      g = torch.linear(h, w[n + ").append(norm2 + 1).append("])\n");
            code.append("      u = torch.linear(h, w[n + ").append(norm2 + 2).append("])\n");
            code.append("      x = torch.add(x, torch.linear(torch.mul(torch.mul(g, torch.sigmoid(g)), u), w[n + ")
                    .append(norm2 + 3).append("]))\n");
        }
        code.append("    return x\n");
        return code.toString();
    }

    /** h = RMSNorm(x) scaled by w[n + offset]: in float32, cast back, then scaled (Norm.apply). */
    private static String rmsNorm(int offset) {
        return "      h = x.float()\n"
                + "      h = torch.div(h, torch.sqrt(torch.add(torch.mean(torch.square(h), [-1], True), eps)))\n"
                + "      h = torch.mul(h.to(x.dtype), w[n + " + offset + "])\n";
    }

    /** Rotary positions on {@code name} (RotaryEmbedding.rotate): x·cos + [−x₂, x₁]·sin. */
    private static String rotate(String name) {
        return "      " + name + " = torch.add(torch.mul(" + name + ", cos), torch.mul(torch.cat([torch.neg(" + name
                + "[:, :, :, half:]), " + name + "[:, :, :, :half]], -1), sin))\n";
    }

    private static String linear(String input, int offset, boolean withBias) {
        return withBias
                ? "torch.linear(" + input + ", w[n + " + offset + "], w[n + " + (offset + 1) + "])"
                : "torch.linear(" + input + ", w[n + " + offset + "])";
    }

    /** fbgemm's product of {@code input} by the packed matrix at {@code offset}, plus the bias after it. */
    private static String packedLinear(String input, int offset) {
        return "torch.fbgemm_linear_fp16_weight_fp32_activation(" + input + ", w[n + " + offset + "], w[n + "
                + (offset + 1) + "])";
    }
}
