package io.sppo4j.model.nd;

import ai.djl.pytorch.jni.JniUtils;

/**
 * PyTorch's intra-op thread count, per calling thread.
 *
 * <p>With OpenMP, {@code torch.set_num_threads} only changes the calling thread's setting, and
 * every new thread starts from the process default (one per core). When several actors compute
 * at once on a small machine, each op would fan out over every core and the teams would fight
 * for them; an actor calls {@link #limit} before its work so its ops use its share.
 */
public final class TorchThreads {

    private static final ThreadLocal<Integer> CURRENT = new ThreadLocal<>();

    private TorchThreads() {}

    /** Sets this thread's intra-op threads to {@code threads}; 0 leaves PyTorch's default. */
    public static void limit(int threads) {
        if (threads <= 0) {
            return;
        }
        Integer current = CURRENT.get();
        if (current == null || current != threads) {
            PyTorch.ensureLoaded();
            JniUtils.setNumThreads(threads);
            CURRENT.set(threads);
        }
    }
}
