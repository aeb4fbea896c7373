package io.sppo4j.model.memory;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;

/**
 * Hands the C heap's free pages back to the operating system ({@code malloc_trim(0)} of glibc).
 *
 * <p>libtorch allocates every CPU tensor with {@code malloc} and frees it with {@code free}. glibc
 * keeps freed chunks in its arenas for reuse and returns memory only from an arena's top, so
 * with tensors of many sizes coming and going on several threads (a decoding step's, a learner
 * step's, a judge's) the arenas fill with free holes that stay resident: a SmolLM2-135M-shaped
 * train run sat at 12.8 GB resident, flat, while its live tensors needed far less. {@code
 * malloc_trim(0)} walks every arena and releases each whole free page inside it ({@code
 * madvise(MADV_DONTNEED)}), keeping the address space, so reusing it later costs a page fault,
 * not a system call. Elsewhere (musl, macOS) there is no such call and {@link #trim} does nothing.
 */
public final class NativeHeap {

    private static final Function MALLOC_TRIM = lookUp();

    private NativeHeap() {}

    /** Whether this C library can trim (glibc on Linux). */
    public static boolean trimmable() {
        return MALLOC_TRIM != null;
    }

    /**
     * Releases the free pages of every malloc arena; thread-safe (glibc locks each arena in turn).
     *
     * @return whether anything was released, false where the C library cannot trim
     */
    public static boolean trim() {
        return MALLOC_TRIM != null && MALLOC_TRIM.invokeInt(new Object[] {0}) == 1;
    }

    private static Function lookUp() {
        if (!Platform.isLinux()) {
            return null;
        }
        try {
            return NativeLibrary.getInstance(Platform.C_LIBRARY_NAME).getFunction("malloc_trim");
        } catch (UnsatisfiedLinkError e) {
            return null; // musl and other C libraries without malloc_trim
        }
    }
}
