package io.sppo4j.model.hf;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;

import java.util.LinkedHashMap;
import java.util.Set;

/**
 * A model loaded from a Hugging Face directory, causal or reward: what saving it back needs.
 */
public interface HfModel extends AutoCloseable {

    HfArchitecture architecture();

    /**
     * The directory it was loaded from as it was read: layout, companion files and the tensors
     * no parameter holds (buffers), which a save writes back unchanged.
     */
    HfModelDirectory checkpoint();

    /** The parameters that train: every parameter, or a LoRA model's adapters. */
    LinkedHashMap<String, Parameter> namedParameters();

    /** Every parameter the checkpoint holds, named as there ({@code model.layers.0.self_attn.q_proj.weight}). */
    LinkedHashMap<String, Parameter> checkpointParameters();

    /**
     * The checkpoint weight {@code name} with a LoRA adapter on it folded in (W + scale·B·A), as a
     * new array the caller closes; null where no adapter is on it.
     */
    NDArray mergedWeight(String name);

    /** The checkpoint weights a LoRA adapter is on (empty without LoRA). */
    Set<String> adaptedWeights();

    Device device();

    @Override
    void close();
}
