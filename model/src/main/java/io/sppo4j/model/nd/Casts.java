package io.sppo4j.model.nd;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Differentiable casts between float32 and bfloat16, and bfloat16 arrays, which DJL 0.35 cannot
 * make itself (see {@link TorchScript}). DJL reports a bfloat16 array's type as
 * {@link DataType#UNKNOWN} (its table stops before bfloat16); {@link #typeOf} reports it as
 * {@link DataType#BFLOAT16}, and the model code only ever makes those two floating types.
 *
 * <p>Never pass a bfloat16 array to DJL calls that hand its type back to the engine
 * ({@code softmax}, {@code logSoftmax}, {@code zerosLike}, {@code onesLike}, {@code toType} to
 * it): those terminate the process. The decoder runs softmax and norms in float32.
 */
public final class Casts {

    private static final TorchScript TYPE_AS = TorchScript.compile("TypeAs", "x: Tensor, like: Tensor",
            "torch.type_as(x, like)");
    private static final TorchScript TO_BFLOAT16 = TorchScript.compile("ToBfloat16", "x: Tensor", "torch.to(x, 15)");

    /** A 0-d array of each type on each device, for type_as; they live as long as the process. */
    private static final Map<String, NDArray> LIKE = new ConcurrentHashMap<>();
    private static final NDManager OWNER = NDManager.newBaseManager(Device.cpu());

    private Casts() {}

    /** x's floating type: BFLOAT16 for what DJL calls UNKNOWN. */
    public static DataType typeOf(NDArray x) {
        DataType type = x.getDataType();
        return type == DataType.UNKNOWN ? DataType.BFLOAT16 : type;
    }

    /** {@link #to(NDArray, DataType, NDManager)}, a copy owned by x's manager. */
    public static NDArray to(NDArray x, DataType dtype) {
        return to(x, dtype, x.getManager());
    }

    /**
     * x in {@code dtype} (FLOAT32 or BFLOAT16): x itself when it already is; otherwise a copy,
     * differentiable (a bfloat16 view of a float32 master weight gets its gradient in float32),
     * owned by {@code owner}. A named array (a parameter) is first viewed without its name.
     */
    public static NDArray to(NDArray x, DataType dtype, NDManager owner) {
        DataType from = typeOf(x);
        if (from == dtype) {
            return x;
        }
        if (dtype != DataType.FLOAT32 && dtype != DataType.BFLOAT16) {
            throw new IllegalArgumentException("casts are between float32 and bfloat16, not to " + dtype);
        }
        NDArray input = x;
        if (x.getName() != null || x.getManager() != owner) {
            input = x.reshape(x.getShape()); // an unnamed view; DJL would put it in x's manager
            input.attach(owner);
        }
        return TYPE_AS.call(input, like(dtype, x.getDevice()));
    }

    /** Zeros of {@code dtype} on {@code manager}. */
    public static NDArray zeros(NDManager manager, Shape shape, DataType dtype) {
        NDArray zeros = manager.zeros(shape, DataType.FLOAT32);
        if (dtype == DataType.FLOAT32) {
            return zeros;
        }
        NDArray cast = to(zeros, dtype);
        zeros.close();
        return cast;
    }

    private static NDArray like(DataType dtype, Device device) {
        return LIKE.computeIfAbsent(dtype + "@" + device, key -> {
            NDManager scope = OWNER.newSubManager(device);
            NDArray zero = scope.create(0f);
            return dtype == DataType.FLOAT32 ? zero : TO_BFLOAT16.call(zero);
        });
    }
}
