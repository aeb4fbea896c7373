package io.sppo4j.model.optim;

import io.sppo4j.model.policy.LanguageModel;

/**
 * What {@link AdamW} and {@link RmsProp} share: their state lives in {@link OptimizerBuffers},
 * and is counted, exported, restored, reset and freed the same way; each subclass writes only
 * its update.
 */
abstract class BufferedOptimizer implements Optimizer {

    /** The per-parameter buffers and the step count. */
    final OptimizerBuffers buffers;

    BufferedOptimizer(OptimizerBuffers.Layout layout) {
        this.buffers = new OptimizerBuffers(layout);
    }

    /** Updates applied so far (skipped ones not counted). */
    @Override
    public long stepCount() {
        return buffers.step();
    }

    /**
     * The step count and, for every parameter stepped so far, its buffers as float32 tensors
     * {@code <prefix><name>} ({@code m.}/{@code v.} for AdamW, {@code square_avg.} for RMSProp), in
     * the order the parameters first got state (the model's parameter order, unless some were
     * frozen at first). The tensors are a view of the live buffers, handed over one at a time (on
     * the CPU without a copy): write them out before the next step or {@link #close}.
     */
    @Override
    public OptimizerState exportState() {
        return buffers.export();
    }

    /**
     * Replaces this optimiser's state with {@code state}, exported by the same algorithm for a
     * model with the same parameter names and shapes as {@code model}. Names, types and shapes are
     * validated before any tensor is read, and the buffers are read one at a time into new arrays
     * that replace the old ones only once all are in, so a refused or unreadable state leaves the
     * optimiser as it was. Parameters without state in {@code state} start from zeros when first
     * stepped.
     *
     * @throws IllegalArgumentException naming the first mismatch: algorithm, scalars, tensor
     *     names, a buffer without its siblings (m without v), element type or shape
     * @throws java.io.UncheckedIOException if the state's tensors cannot be read
     */
    @Override
    public void restoreState(OptimizerState state, LanguageModel model) {
        buffers.restore(state, model);
    }

    @Override
    public void reset() {
        buffers.reset();
    }

    /** Frees the state; the optimiser cannot be used afterwards. */
    @Override
    public void close() {
        buffers.close();
    }

    /** Native arrays the optimiser's state holds (for leak tests). */
    int stateArrayCount() {
        return buffers.arrayCount();
    }
}
