package io.sppo4j.model.hf;

import ai.djl.Device;
import ai.djl.nn.Parameter;

import java.util.LinkedHashMap;

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

    /** Parameters named as in the checkpoint ({@code model.layers.0.self_attn.q_proj.weight}). */
    LinkedHashMap<String, Parameter> namedParameters();

    Device device();

    @Override
    void close();
}
