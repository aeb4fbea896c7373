package io.sppo4j.model.optim;

import io.sppo4j.model.weights.NamedTensor;
import io.sppo4j.model.weights.TensorSource;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An optimiser's resumable state: its per-parameter tensors (e.g. AdamW's moments, named
 * {@code m.<parameter>} and {@code v.<parameter>}) and its scalars (e.g. the step count).
 * Checkpoints store the tensors as safetensors and the scalars in the JSON metadata.
 *
 * <p>The tensors are a {@link TensorSource}, read one at a time: an exported state is a view of
 * the optimiser's live moments (write it out before the next step), a loaded one reads its file.
 *
 * @param algorithm name of the optimiser that wrote it, checked on restore
 * @param scalars numeric state by name
 * @param tensors per-parameter state in a fixed order
 */
public record OptimizerState(String algorithm, Map<String, Double> scalars, TensorSource tensors) {

    public OptimizerState {
        scalars = Map.copyOf(scalars);
        Objects.requireNonNull(tensors, "tensors");
    }

    /** State whose tensors are already in memory. */
    public OptimizerState(String algorithm, Map<String, Double> scalars, List<NamedTensor> tensors) {
        this(algorithm, scalars, TensorSource.of(tensors));
    }
}
