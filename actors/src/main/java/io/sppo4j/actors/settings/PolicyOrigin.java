package io.sppo4j.actors.settings;

import com.typesafe.config.Config;

/**
 * Where the policy comes from, which the {@code auto} values of several settings follow: a
 * Hugging Face checkpoint ({@code sppo4j.policy.path} set) is real-sized, so {@code auto} picks
 * what saves memory and bytes (bf16 weight versions and evaluator copies, micro-batched learner
 * steps); the built-in policy is a toy whose runs stay bit-exact and whole.
 */
public final class PolicyOrigin {

    private PolicyOrigin() {}

    /** Whether {@code sppo4j.policy.path} names a Hugging Face checkpoint. */
    public static boolean huggingFace(Config config) {
        return !config.getString("sppo4j.policy.path").isBlank();
    }
}
