package io.sppo4j.model.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.function.BiFunction;
import java.util.function.Function;
import org.junit.jupiter.api.function.Executable;

/** Checks every loss must pass: validation messages and what it leaves in the caller's manager. */
final class LossContracts {

    private LossContracts() {}

    static void assertMessage(String fragment, Executable call) {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, call);
        assertTrue(error.getMessage().contains(fragment), "message '" + error.getMessage() + "' lacks '" + fragment + "'");
    }

    /** β must be positive and finite and the reduction present; messages start with the loss's name. */
    static void assertRefusesBadSettings(String name, BiFunction<Float, Reduction, Object> constructor) {
        for (float beta : new float[] {0f, -1f, Float.NaN, Float.POSITIVE_INFINITY}) {
            assertMessage(name + " beta must be positive and finite, got " + beta,
                    () -> constructor.apply(beta, Reduction.MEAN));
        }
        assertMessage(name + " reduction must not be null", () -> constructor.apply(0.5f, null));
    }

    /** Margins must be a non-empty (P) array of finite values, and errors say which entry is not. */
    static void assertRefusesBadMargins(NDManager manager, PairwiseLoss loss) {
        try (NDManager step = manager.newSubManager()) {
            assertMessage("(P) array", () -> loss.compute(step.zeros(new Shape(3, 1))));
            assertMessage("(P) array", () -> loss.compute(step.create(1f)));
            assertMessage("empty batch", () -> loss.compute(step.zeros(new Shape(0))));
            assertMessage("margins[1] = NaN", () -> loss.compute(step.create(new float[] {0f, Float.NaN, 0f})));
            assertMessage("margins[2] = -Infinity",
                    () -> loss.compute(step.create(new float[] {0f, 0f, Float.NEGATIVE_INFINITY})));
        }
    }

    /** Of everything a loss computes, only the loss itself may stay in the caller's manager. */
    static void assertOnlyTheLossRemains(NDManager manager, float[] inputs, Function<NDArray, LossResult> compute) {
        try (NDManager step = manager.newSubManager()) {
            NDArray input = step.create(inputs);
            int before = step.getManagedArrays().size();
            LossResult result = compute.apply(input);
            assertEquals(before + 1, step.getManagedArrays().size());
            assertEquals(step, result.loss().getManager());
        }
    }
}
