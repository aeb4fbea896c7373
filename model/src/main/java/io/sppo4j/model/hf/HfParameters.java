package io.sppo4j.model.hf;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.sppo4j.model.decoder.Init;
import io.sppo4j.model.decoder.ParameterSource;
import io.sppo4j.model.nd.Casts;
import io.sppo4j.model.weights.NamedTensor;

import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The parameters of a model loaded from an {@link HfModelDirectory}, named exactly as the
 * checkpoint names them, in the order the model declares them.
 */
final class HfParameters extends ParameterSource {

    private HfModelDirectory checkpoint;

    HfParameters(HfModelDirectory checkpoint, NDManager manager, DataType storage) {
        super(manager, storage);
        this.checkpoint = checkpoint;
    }

    HfModelDirectory checkpoint() {
        return checkpoint;
    }

    /**
     * Reads a tensor; a loaded model ignores {@code init}.
     *
     * @throws IllegalArgumentException naming the tensor and the file when it is missing or its shape differs
     */
    @Override
    protected NDArray create(String name, Init init, long... shape) {
        NamedTensor tensor = checkpoint.tensor(name);
        if (!Arrays.equals(tensor.shape(), shape)) {
            throw new IllegalArgumentException(checkpoint.directory() + ": tensor '" + name + "' has shape "
                    + Arrays.toString(tensor.shape()) + " but config.json implies " + Arrays.toString(shape));
        }
        NDArray array = DiskTensors.toFloat32(tensor, manager());
        NDArray stored = Casts.to(array, storage());
        if (stored != array) {
            array.close();
        }
        return stored;
    }

    /**
     * Ends loading: the checkpoint's layout with only the tensors no parameter holds (buffers such
     * as GPT-2's attn.bias). The loaded tensors' bytes are let go, as the parameters now hold them.
     */
    HfModelDirectory finishLoading() {
        Set<String> rest = new LinkedHashSet<>(checkpoint.tensors().keySet());
        rest.removeAll(named().keySet());
        checkpoint = checkpoint.retaining(rest);
        return checkpoint;
    }
}
