package io.sppo4j.model.loss;

import ai.djl.ndarray.NDManager;
import io.sppo4j.model.TestPolicies;
import io.sppo4j.model.hf.HfCausalModel;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The tiny policy the loss tests backpropagate through, built once per test class. */
abstract class TinyPolicyFixture {

    static NDManager manager;
    static HfCausalModel policy;

    @BeforeAll
    static void createPolicy() {
        manager = NDManager.newBaseManager();
        policy = TestPolicies.tiny(manager, 21);
    }

    @AfterAll
    static void closePolicy() {
        policy.close();
        manager.close();
    }
}
