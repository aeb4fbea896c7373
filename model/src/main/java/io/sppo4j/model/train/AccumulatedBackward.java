package io.sppo4j.model.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.sppo4j.model.loss.LossResult;
import io.sppo4j.model.loss.Reduction;
import io.sppo4j.model.nd.Autograd;
import io.sppo4j.model.policy.LanguageModel;

import java.util.List;

/**
 * Forward and backward over a batch one {@link MicroBatches.Slice} at a time, the gradients
 * summing in the parameters' gradient buffers (the optimiser zeroes them after its step). Each
 * slice's loss is weighted so the sum is the whole batch's loss: by the slice's share of the
 * items for a mean, by one for a sum. Only one slice's activations are alive at a time.
 */
final class AccumulatedBackward {

    /** The loss of items [from, to), computed under gradient recording on {@code scope}'s arrays. */
    interface SliceLoss {
        LossResult compute(NDManager scope, MicroBatches.Slice slice);
    }

    /**
     * The whole batch's loss value and per-item diagnostics, in item order.
     *
     * @param logRatio (items) what each item's term acts on
     * @param target (items) what the loss pulls it toward
     */
    record Totals(double loss, float[] logRatio, float[] target) {}

    private AccumulatedBackward() {}

    static Totals run(LanguageModel policy, int items, List<MicroBatches.Slice> slices, SliceLoss sliceLoss) {
        double loss = 0;
        float[] logRatio = new float[items];
        float[] target = new float[items];
        for (MicroBatches.Slice slice : slices) {
            try (NDManager scope = policy.manager().newSubManager();
                    Autograd.Scope recording = Autograd.recording()) {
                LossResult result = sliceLoss.compute(scope, slice);
                float weight = result.reduction() == Reduction.MEAN ? (float) slice.size() / items : 1f;
                NDArray weighted = weight == 1f ? result.loss() : result.loss().mul(weight);
                Autograd.backward(weighted);
                loss += weight * result.loss().getFloat();
                System.arraycopy(result.logRatio(), 0, logRatio, slice.from(), slice.size());
                System.arraycopy(result.target(), 0, target, slice.from(), slice.size());
            }
        }
        return new Totals(loss, logRatio, target);
    }
}
