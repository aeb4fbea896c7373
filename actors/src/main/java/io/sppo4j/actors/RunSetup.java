package io.sppo4j.actors;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.sppo4j.actors.settings.AlgorithmConfig;
import io.sppo4j.model.nd.Precision;
import io.sppo4j.model.policy.LanguageModel;
import io.sppo4j.model.policy.PolicyConfig;
import io.sppo4j.model.policy.PolicyFactory;
import io.sppo4j.model.task.Task;
import io.sppo4j.model.tokenizer.Tokenizer;
import io.sppo4j.model.weights.WeightSnapshot;

/**
 * What every role of a training run shares, whichever node it runs on: the task and its
 * tokenizer, how to build the policy, the frozen reference weights, the method, the run's seed
 * and the PyTorch threads each computing actor may use. Each role's own setup adds only what
 * differs (its settings, device and metrics).
 *
 * @param reference the reference policy's weights, which are also the policy's initial weights
 * @param torchThreads PyTorch intra-op threads per computing actor or judge call (see the README's
 *     threading rule); 0 keeps PyTorch's default
 */
public record RunSetup(
        Task task,
        Tokenizer tokenizer,
        PolicyFactory policyFactory,
        PolicyConfig policyConfig,
        WeightSnapshot reference,
        AlgorithmConfig algorithm,
        long seed,
        int torchThreads) {

    /**
     * A copy of the policy that never trains, holding {@code weights}: the reference the method
     * regularises toward or samples a mixture with, or the policy an evaluation starts from.
     */
    public LanguageModel frozenCopy(WeightSnapshot weights, NDManager manager, Device device) {
        return frozenCopy(weights, manager, device, Precision.FP32);
    }

    /** {@link #frozenCopy(WeightSnapshot, NDManager, Device)} in {@code precision}. */
    public LanguageModel frozenCopy(WeightSnapshot weights, NDManager manager, Device device, Precision precision) {
        LanguageModel frozen = policyFactory.in(precision).create(manager, device);
        frozen.setTrainable(false);
        weights.importInto(frozen);
        return frozen;
    }

    /** A frozen copy of the reference weights. */
    public LanguageModel frozenReference(NDManager manager, Device device) {
        return frozenCopy(reference, manager, device);
    }

    /**
     * The reference beside {@code policy}, which must still hold the reference weights: read off
     * the policy itself where it can be (a LoRA model's base with its starting adapters: no
     * second copy of the model), else a frozen copy in {@code precision}.
     */
    public LanguageModel referenceFor(LanguageModel policy, NDManager manager, Device device, Precision precision) {
        LanguageModel view = policy.referenceView();
        return view != null ? view : frozenReference(manager, device, precision);
    }

    /** A frozen copy of the reference weights in {@code precision}. */
    public LanguageModel frozenReference(NDManager manager, Device device, Precision precision) {
        return frozenCopy(reference, manager, device, precision);
    }
}
