package io.sppo4j.model.nd;

import ai.djl.engine.Engine;

/**
 * Loads DJL's PyTorch engine before any direct JNI call: DJL loads the native library lazily,
 * on the first NDManager, and a JNI call made earlier fails with UnsatisfiedLinkError.
 */
final class PyTorch {

    private PyTorch() {}

    static void ensureLoaded() {
        Holder.ENGINE.getEngineName();
    }

    private static final class Holder {
        static final Engine ENGINE = Engine.getEngine("PyTorch");
    }
}
