package io.sppo4j.model.optim;

import io.sppo4j.model.weights.NamedTensor;

import java.util.List;
import java.util.Map;

/**
 * An optimiser's resumable state: its per-parameter tensors (e.g. AdamW's moments, named
 * {@code m.<parameter>} and {@code v.<parameter>}) and its scalars (e.g. the step count).
 * Checkpoints store the tensors as safetensors and the scalars in the JSON metadata.
 *
 * @param algorithm name of the optimiser that wrote it, checked on restore
 * @param scalars numeric state by name
 * @param tensors per-parameter state in a fixed order
 */
public record OptimizerState(String algorithm, Map<String, Double> scalars, List<NamedTensor> tensors) {

    public OptimizerState {
        scalars = Map.copyOf(scalars);
        tensors = List.copyOf(tensors);
    }
}
