package io.sppo4j.model.weights;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Tensor bytes between native arrays and {@link NamedTensor} views, without a trip through the
 * Java heap: views of a CPU array's own memory, arrays that alias a direct or mapped buffer, and
 * copies across devices and dtypes.
 *
 * <p>bfloat16 never reaches the engine: DJL 0.35's PyTorch binding aborts the process on any
 * bfloat16 array. Such tensors are kept as raw bytes and converted by {@link BFloat16} from and
 * to float32 views; float16 and float32 are converted by the engine.
 *
 * <p>DJL moves an array to another device inside a sub-manager of the array's manager, which
 * outlives the call; every transfer here therefore starts from an array in a scope of our own, so
 * those sub-managers close with it instead of piling up in a parameter's long-lived manager.
 */
public final class NativeTensors {

    static {
        // Tensor bytes are little-endian on disk and on the wire; views pass native memory through as is.
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new ExceptionInInitializerError("sppo4j needs a little-endian machine");
        }
    }

    private static final NDIndex ALL = new NDIndex("...");

    private NativeTensors() {}

    /**
     * The memory of a contiguous CPU array as a writable little-endian buffer: a view, valid while
     * the array is open. Parameters and arrays made here are contiguous.
     */
    public static ByteBuffer view(NDArray array) {
        if (!array.getDevice().equals(Device.cpu())) {
            throw new IllegalArgumentException("a view needs an array on the CPU, not on " + array.getDevice());
        }
        if (array.size() == 0) {
            return ByteBuffer.allocate(0);
        }
        ByteBuffer view = array.toByteBuffer(true);
        if (!view.isDirect()) {
            throw new IllegalStateException("the engine copied an array instead of exposing its memory");
        }
        return view.order(ByteOrder.LITTLE_ENDIAN);
    }

    /** New, uninitialised native memory for {@code spec}'s bytes (untyped), owned by {@code owner} (a CPU manager). */
    public static NDArray allocate(TensorSpec spec, NDManager owner) {
        return owner.create(new Shape(spec.byteSize()), DataType.INT8);
    }

    /**
     * Overwrites {@code target}'s storage in place (on its own device) with the tensor's values,
     * converted to the target's type. The caller pauses autograd and checks shapes.
     */
    public static void copyInto(NDArray target, NamedTensor tensor) {
        if (tensor.elementCount() == 0) {
            return;
        }
        if (tensor.dtype() != TensorDType.F16 && target.getDevice().equals(Device.cpu())
                && target.getDataType() == DataType.FLOAT32) {
            writeFloat32(tensor, view(target)); // straight into the parameter's memory
            return;
        }
        try (NDManager scope = target.getManager().newSubManager(Device.cpu())) {
            // Moved first, converted second: an F16 tensor crosses to a GPU at half the bytes.
            NDArray placed = onEngine(tensor, scope).toDevice(target.getDevice(), false);
            target.set(ALL, placed.toType(target.getDataType(), false));
        }
    }

    /** The tensor's values as a new float32 array on {@code owner}'s device, owned by it; never a view of the bytes. */
    public static NDArray toFloat32(NamedTensor tensor, NDManager owner) {
        Shape shape = new Shape(tensor.shape());
        if (tensor.dtype() != TensorDType.F16 && owner.getDevice().equals(Device.cpu())) {
            NDArray result = owner.create(shape, DataType.FLOAT32);
            writeFloat32(tensor, view(result));
            return result;
        }
        try (NDManager scope = owner.newSubManager(Device.cpu())) {
            NDArray source = onEngine(tensor, scope);
            NDArray result = source.toDevice(owner.getDevice(), false).toType(DataType.FLOAT32, false);
            if (result == source) {
                result = source.duplicate(); // same device and type: the alias itself would outlive its bytes
            }
            result.attach(owner);
            return result;
        }
    }

    /**
     * A copy of {@code array} (float32 or float16, any device) on the CPU as {@code dtype}, owned
     * by {@code owner}; never a view of it. Only its {@link #view} is meant to be read: a copy
     * may be untyped bytes.
     */
    public static NDArray hostCopy(NDArray array, TensorDType dtype, NDManager owner) {
        if (array.getDevice().equals(Device.cpu()) && array.getDataType() == DataType.FLOAT32
                && (dtype == TensorDType.F32 || dtype == TensorDType.BF16)) {
            // Copied or rounded straight from the array's memory: no engine call, whose worker
            // threads only add contention for a memory-bound copy.
            NDArray copy = allocate(new TensorSpec("copy", dtype, array.getShape().getShape()), owner);
            if (dtype == TensorDType.F32) {
                view(copy).put(view(array));
            } else {
                BFloat16.narrow(view(array), view(copy));
            }
            return copy;
        }
        if (dtype == TensorDType.BF16) {
            try (NDManager scope = owner.newSubManager(Device.cpu())) {
                NDArray f32 = hostCopy(array, TensorDType.F32, scope);
                NDArray bf16 = allocate(new TensorSpec("bf16", TensorDType.BF16, array.getShape().getShape()), owner);
                BFloat16.narrow(view(f32), view(bf16));
                return bf16;
            }
        }
        DataType type = engineType(dtype);
        try (NDManager scope = owner.newSubManager(Device.cpu())) {
            // Converted where it lives first: a GPU array then crosses at the smaller size.
            NDArray converted = array.getDataType() == type ? array.duplicate() : array.toType(type, false);
            converted.attach(scope);
            NDArray onHost = converted.toDevice(Device.cpu(), false);
            onHost.attach(owner);
            return onHost;
        }
    }

    /**
     * Visits {@code array} as a host tensor of {@code dtype}: its own memory when it already is
     * one (a CPU float32 parameter saved as float32 costs no copy), else a host copy freed after
     * the visit. The caller pauses autograd.
     */
    public static void visitOnHost(String name, NDArray array, TensorDType dtype, TensorSource.Visitor visitor)
            throws IOException {
        TensorSpec spec = new TensorSpec(name, dtype, array.getShape().getShape());
        if (dtype == TensorDType.F32 && array.getDevice().equals(Device.cpu()) && array.getDataType() == DataType.FLOAT32) {
            visitor.visit(new NamedTensor(spec, view(array)));
            return;
        }
        try (NDManager scope = array.getManager().getEngine().newBaseManager(Device.cpu())) {
            visitor.visit(new NamedTensor(spec, view(hostCopy(array, dtype, scope))));
        }
    }

    /** F32 copied, BF16 widened, into {@code f32} (a float32 view of the same element count). */
    private static void writeFloat32(NamedTensor tensor, ByteBuffer f32) {
        switch (tensor.dtype()) {
            case F32 -> f32.duplicate().put(tensor.bytes());
            case BF16 -> BFloat16.widen(tensor.bytes(), f32);
            default -> throw new IllegalArgumentException("tensor '" + tensor.name() + "' is " + tensor.dtype()
                    + "; expected F32, BF16 or F16");
        }
    }

    /**
     * The tensor as a CPU array the engine can compute with, owned by {@code cpuScope}: an alias
     * of its bytes when they are direct F32 or F16 (only read it: mapped bytes are read-only), a
     * float32 copy for BF16.
     */
    private static NDArray onEngine(NamedTensor tensor, NDManager cpuScope) {
        Shape shape = new Shape(tensor.shape());
        if (tensor.dtype() == TensorDType.BF16 || !tensor.isDirect()) {
            DataType type = tensor.dtype() == TensorDType.F16 ? DataType.FLOAT16 : DataType.FLOAT32;
            NDArray copy = cpuScope.create(shape, type);
            if (type == DataType.FLOAT16) {
                view(copy).put(tensor.bytes());
            } else {
                writeFloat32(tensor, view(copy));
            }
            return copy;
        }
        return cpuScope.create(tensor.bytes(), shape, engineType(tensor.dtype()));
    }

    /** The engine's element type for a dtype it can hold. */
    private static DataType engineType(TensorDType dtype) {
        return switch (dtype) {
            case F32 -> DataType.FLOAT32;
            case F16 -> DataType.FLOAT16;
            case I64 -> DataType.INT64;
            case BF16 -> throw new IllegalArgumentException("bfloat16 arrays abort DJL 0.35's PyTorch binding");
        };
    }
}
