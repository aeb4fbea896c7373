package io.sppo4j.model.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
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
 */
final class FusedLayers {

    /** Compiled once per bias layout: (q/k/v bias, output bias). */
    private static final Map<String, TorchScript> COMPILED = new ConcurrentHashMap<>();

    private final DecoderConfig config;
    private final List<DecoderBlock> blocks;
    private final TorchScript script;
    private final float scale;

    private FusedLayers(DecoderConfig config, List<DecoderBlock> blocks) {
        this.config = config;
        this.blocks = blocks;
        this.scale = (float) (1.0 / Math.sqrt(config.headDim()));
        String key = config.qkvBias() + "," + config.outputBias();
        this.script = COMPILED.computeIfAbsent(key, k -> TorchScript.compileForward("FusedLlamaLayers",
                source(config.qkvBias(), config.outputBias())));
    }

    /** The fused pass of {@code blocks}, or null where {@code config} is not one it computes exactly. */
    static FusedLayers forBlocks(DecoderConfig config, List<DecoderBlock> blocks) {
        boolean supported = config.layout() == DecoderConfig.Layout.LLAMA
                && config.activation() == DecoderConfig.Activation.SILU
                && config.rotary() != null
                && !config.mlpBias();
        return supported ? new FusedLayers(config, blocks) : null;
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
     * @return (B, T, D) the last block's output, before the final norm, on {@code x}'s manager
     */
    NDArray forward(NDArray x, NDArray bias, RotaryEmbedding.Angles angles, KvCache cache) {
        return script.run(x.getManager(), x, bias, angles.cos(), angles.sin(), cache.length(), arrays(),
                cache.keyBuffers(), cache.valueBuffers(), config.heads(), config.kvHeads(), config.headDim(),
                (double) (float) config.normEpsilon(), (double) scale);
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
     * (+ bias), v (+ bias), o (+ bias), post-attention norm, gate, up, down.
     */
    static String source(boolean qkvBias, boolean outputBias) {
        int stride = 9 + (qkvBias ? 3 : 0) + (outputBias ? 1 : 0);
        int q = 1;
        int k = q + (qkvBias ? 2 : 1);
        int v = k + (qkvBias ? 2 : 1);
        int o = v + (qkvBias ? 2 : 1);
        int norm2 = o + (outputBias ? 2 : 1);
        StringBuilder code = new StringBuilder();
        code.append("  def forward(self: __torch__.FusedLlamaLayers, x: Tensor, bias: Tensor, cos: Tensor, sin: Tensor,"
                + " start: int, w: List[Tensor], keys: List[Tensor], values: List[Tensor], heads: int, kv_heads: int,"
                + " head_dim: int, eps: float, scale: float) -> Tensor:\n");
        code.append("    b = x.size(0)\n");
        code.append("    t = x.size(1)\n");
        code.append("    end = start + t\n");
        code.append("    group = heads // kv_heads\n");
        code.append("    half = head_dim // 2\n");
        code.append("    for i in range(len(keys)):\n");
        code.append("      n = i * ").append(stride).append('\n');
        code.append(rmsNorm(0));
        code.append("      q = ").append(linear("h", q, qkvBias)).append(".view([b, t, heads, head_dim]).transpose(1, 2)\n");
        code.append("      k = ").append(linear("h", k, qkvBias)).append(".view([b, t, kv_heads, head_dim]).transpose(1, 2)\n");
        code.append("      v = ").append(linear("h", v, qkvBias)).append(".view([b, t, kv_heads, head_dim]).transpose(1, 2)\n");
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
        code.append("      x = torch.add(x, ").append(linear("y", o, outputBias)).append(")\n");
        code.append(rmsNorm(norm2));
        // SwiGLU (FeedForward.apply): down(gate·σ(gate) · up).
        code.append("      g = torch.linear(h, w[n + ").append(norm2 + 1).append("])\n");
        code.append("      u = torch.linear(h, w[n + ").append(norm2 + 2).append("])\n");
        code.append("      x = torch.add(x, torch.linear(torch.mul(torch.mul(g, torch.sigmoid(g)), u), w[n + ")
                .append(norm2 + 3).append("]))\n");
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
}
