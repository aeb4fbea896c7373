package io.sppo4j.model.sampling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.List;

/**
 * Host-side assembly of padded (B, T) token and mask arrays. Prompts are left-padded so that
 * every sequence's last prompt token sits in the last column and decoding appends in step.
 */
public final class TokenBatch {

    private TokenBatch() {}

    /** Longest sequence in {@code sequences}. */
    public static int maxLength(List<int[]> sequences) {
        int max = 0;
        for (int[] sequence : sequences) {
            max = Math.max(max, sequence.length);
        }
        return max;
    }

    /**
     * Lays out each row as [left padding][prompt][response][right padding] over
     * {@code promptWidth + responseWidth} columns.
     *
     * @param responses null for prompts alone
     * @return token ids and the 0/1 key mask, both (B, T) int64 on {@code manager}
     */
    public static Padded layout(
            NDManager manager, List<int[]> prompts, List<int[]> responses, int promptWidth, int responseWidth, int pad) {
        int batch = prompts.size();
        int width = promptWidth + responseWidth;
        long[] tokens = new long[batch * width];
        long[] mask = new long[batch * width];
        for (int row = 0; row < batch; row++) {
            int[] prompt = prompts.get(row);
            if (prompt.length == 0) {
                throw new IllegalArgumentException("prompt " + row + " is empty (it needs at least BOS)");
            }
            if (prompt.length > promptWidth) {
                throw new IllegalArgumentException(
                        "prompt " + row + " has " + prompt.length + " tokens, more than the width " + promptWidth);
            }
            int base = row * width;
            int start = promptWidth - prompt.length;
            for (int col = 0; col < width; col++) {
                tokens[base + col] = pad;
            }
            for (int i = 0; i < prompt.length; i++) {
                tokens[base + start + i] = prompt[i];
                mask[base + start + i] = 1;
            }
            if (responses != null) {
                int[] response = responses.get(row);
                if (response.length > responseWidth) {
                    throw new IllegalArgumentException(
                            "response " + row + " has " + response.length + " tokens, more than the width " + responseWidth);
                }
                for (int i = 0; i < response.length; i++) {
                    tokens[base + promptWidth + i] = response[i];
                    mask[base + promptWidth + i] = 1;
                }
            }
        }
        Shape shape = new Shape(batch, width);
        return new Padded(manager.create(tokens, shape), manager.create(mask, shape));
    }

    /** Token ids and key mask, each (B, T) int64. */
    public record Padded(NDArray tokens, NDArray mask) {}
}
