package io.sppo4j.model.nd;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * A one-method TorchScript function, for the few operations DJL 0.35's PyTorch engine does not
 * offer: its dtype table has no bfloat16 (asking for one terminates the process), and its
 * {@code toType} runs without autograd, so no cast there is differentiable.
 *
 * <p>The function is written as TorchScript source and packed, with the pickled module object
 * libtorch expects beside it, into the archive {@code torch.jit.save} would write; libtorch
 * compiles it at load. It runs with the calling thread's grad mode, so what it computes is
 * differentiable like any other op. The loaded module lives as long as the process.
 */
public final class TorchScript {

    private final PtSymbolBlock module;

    private TorchScript(PtSymbolBlock module) {
        this.module = module;
    }

    /**
     * Compiles {@code def forward(self, <parameters>) -> Tensor: return <body>}.
     *
     * @param name the module class's name (an identifier)
     * @param parameters TorchScript parameters, e.g. {@code "x: Tensor, like: Tensor"}
     * @param body the returned expression, e.g. {@code "torch.type_as(x, like)"}
     */
    public static TorchScript compile(String name, String parameters, String body) {
        return compileForward(name, "  def forward(self: __torch__." + name + ", " + parameters + ") -> Tensor:\n"
                + "    return " + body + "\n");
    }

    /**
     * Compiles a module whose {@code forward} is {@code method}: TorchScript source starting
     * {@code "  def forward(self: __torch__.<name>, ...)"}, indented by two spaces as a class member.
     */
    public static TorchScript compileForward(String name, String method) {
        PyTorch.ensureLoaded();
        try {
            Path archive = Files.createTempFile("sppo4j-" + name, ".pt");
            try {
                Files.write(archive, archive(name, method));
                PtNDManager owner = (PtNDManager) NDManager.newBaseManager(Device.cpu());
                PtSymbolBlock module = JniUtils.loadModule(owner, archive, true, new String[0], new String[0], false);
                return new TorchScript(module);
            } finally {
                Files.deleteIfExists(archive);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the TorchScript archive of " + name, e);
        }
    }

    /**
     * Runs the function. Inputs must have no name (DJL reads dotted names as dictionary keys);
     * the result belongs to the first input's manager.
     */
    public NDArray call(NDArray... inputs) {
        return IValueUtils.forward(module, new NDList(inputs), true).singletonOrThrow();
    }

    /**
     * Runs the function without autograd on arguments of any TorchScript type: an {@link NDArray}
     * is a {@code Tensor}, a {@code List<NDArray>} a {@code List[Tensor]} (passed as one handle,
     * however long), an {@code Integer} or {@code Long} an {@code int}, a {@code Float} or
     * {@code Double} a {@code float}, a {@code Boolean} a {@code bool}. One call into libtorch
     * however many operations the function runs: what makes a fused function pay.
     *
     * @return the tensor the function returns, owned by {@code manager}
     */
    public NDArray run(NDManager manager, Object... arguments) {
        IValue[] values = new IValue[arguments.length];
        try {
            for (int i = 0; i < arguments.length; i++) {
                values[i] = value(arguments[i]);
            }
            try (IValue result = IValueUtils.forward(module, values)) {
                return result.toTensor((PtNDManager) manager);
            }
        } finally {
            for (IValue value : values) {
                if (value != null) {
                    value.close();
                }
            }
        }
    }

    private static IValue value(Object argument) {
        if (argument instanceof NDArray array) {
            return IValue.from((PtNDArray) array);
        }
        if (argument instanceof List<?> list) {
            return IValue.listFrom(list.stream().map(PtNDArray.class::cast).toArray(PtNDArray[]::new));
        }
        if (argument instanceof Integer || argument instanceof Long) {
            return IValue.from(((Number) argument).longValue());
        }
        if (argument instanceof Float || argument instanceof Double) {
            return IValue.from(((Number) argument).doubleValue());
        }
        if (argument instanceof Boolean flag) {
            return IValue.from(flag);
        }
        throw new IllegalArgumentException("no TorchScript type for " + argument);
    }

    /** The zip {@code torch.jit.save} writes for a module of one method and no state. */
    static byte[] archive(String name, String parameters, String body) throws IOException {
        return archive(name, "  def forward(self: __torch__." + name + ", " + parameters + ") -> Tensor:\n"
                + "    return " + body + "\n");
    }

    private static byte[] archive(String name, String method) throws IOException {
        String code = "class " + name + "(Module):\n"
                + "  __parameters__ = []\n"
                + "  __buffers__ = []\n"
                + "  training : bool\n"
                + method;
        ByteArrayOutputStream zipped = new ByteArrayOutputStream();
        String root = name.toLowerCase(java.util.Locale.ROOT) + "/";
        try (ZipOutputStream zip = new ZipOutputStream(zipped)) {
            stored(zip, root + "data.pkl", modulePickle(name));
            stored(zip, root + "code/__torch__.py", code.getBytes(StandardCharsets.UTF_8));
            stored(zip, root + "constants.pkl", new byte[] {(byte) 0x80, 2, ')', '.'}); // ()
            stored(zip, root + "version", "3\n".getBytes(StandardCharsets.US_ASCII));
        }
        return zipped.toByteArray();
    }

    /** Pickle protocol 2 of {@code __torch__.<name>} with {@code training = True}. */
    private static byte[] modulePickle(String name) {
        ByteArrayOutputStream pickle = new ByteArrayOutputStream();
        pickle.writeBytes(new byte[] {(byte) 0x80, 2}); // PROTO 2
        pickle.writeBytes(("c__torch__\n" + name + "\n").getBytes(StandardCharsets.US_ASCII)); // GLOBAL
        pickle.writeBytes(new byte[] {'q', 0, ')', (byte) 0x81, '}', '(', 'X', 8, 0, 0, 0}); // BINPUT, EMPTY_TUPLE, NEWOBJ, EMPTY_DICT, MARK, BINUNICODE
        pickle.writeBytes("training".getBytes(StandardCharsets.US_ASCII));
        pickle.writeBytes(new byte[] {'q', 1, (byte) 0x88, 'u', 'b', '.'}); // BINPUT, NEWTRUE, SETITEMS, BUILD, STOP
        return pickle.toByteArray();
    }

    /** libtorch reads archives whose records are stored, as it writes them. */
    private static void stored(ZipOutputStream zip, String name, byte[] data) throws IOException {
        ZipEntry entry = new ZipEntry(name);
        entry.setMethod(ZipEntry.STORED);
        entry.setSize(data.length);
        entry.setCompressedSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        entry.setCrc(crc.getValue());
        zip.putNextEntry(entry);
        zip.write(data);
        zip.closeEntry();
    }
}
