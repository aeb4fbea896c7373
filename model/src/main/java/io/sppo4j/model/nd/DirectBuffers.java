package io.sppo4j.model.nd;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;

/**
 * Direct buffers freed when their work ends, not when the collector next runs.
 *
 * <p>DJL copies every host array it turns into a tensor through a direct buffer, and a CPU
 * tensor keeps pointing at it until closed. The buffer's native memory then returns only when
 * the garbage collector finds the buffer object unreachable. A weight import allocates one
 * buffer per tensor, the whole model's size, while adding almost nothing to the Java heap, so
 * with a quiet heap the collector does not run and resident memory grows by a model per
 * import, up to {@code -XX:MaxDirectMemorySize} (the heap's size by default): native memory
 * that looks leaked while the heap stays flat. {@link #free} returns it at once.
 */
public final class DirectBuffers {

    private static final Object UNSAFE;
    private static final Method INVOKE_CLEANER;

    static {
        Object unsafe = null;
        Method invokeCleaner = null;
        try {
            Class<?> type = Class.forName("sun.misc.Unsafe");
            Field field = type.getDeclaredField("theUnsafe");
            field.setAccessible(true);
            unsafe = field.get(null);
            invokeCleaner = type.getMethod("invokeCleaner", ByteBuffer.class);
        } catch (ReflectiveOperationException | RuntimeException e) {
            // Without jdk.unsupported the buffers are left to the collector, as before.
        }
        UNSAFE = unsafe;
        INVOKE_CLEANER = invokeCleaner;
    }

    private DirectBuffers() {}

    /**
     * Frees a direct buffer's native memory now. Only for a buffer nothing reads any more: every
     * tensor made from it closed, no view of it left.
     */
    public static void free(ByteBuffer buffer) {
        if (buffer == null || !buffer.isDirect() || INVOKE_CLEANER == null) {
            return;
        }
        try {
            INVOKE_CLEANER.invoke(UNSAFE, buffer);
        } catch (ReflectiveOperationException | IllegalArgumentException e) {
            // A slice or a duplicate has no cleaner of its own; the collector frees its parent.
        }
    }
}
