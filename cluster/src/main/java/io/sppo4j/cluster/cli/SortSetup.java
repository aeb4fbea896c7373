package io.sppo4j.cluster.cli;

import ai.djl.Device;
import com.typesafe.config.Config;
import io.sppo4j.model.nd.Devices;
import io.sppo4j.model.policy.PolicyConfig;
import io.sppo4j.model.task.sort.SortTask;
import io.sppo4j.model.task.sort.SortTaskConfig;
import io.sppo4j.model.tokenizer.ByteTokenizer;

/** What every command on the built-in {@code sort} task derives from the configuration. */
record SortSetup(Config config, ByteTokenizer tokenizer, PolicyConfig policyConfig, SortTask task, long seed) {

    static SortSetup from(Config config) {
        ByteTokenizer tokenizer = new ByteTokenizer();
        return new SortSetup(
                config,
                tokenizer,
                PolicyConfig.from(config, tokenizer.vocabSize()),
                new SortTask(SortTaskConfig.from(config)),
                config.getLong("sppo4j.seed"));
    }

    /** The device a role's setting names, e.g. {@code sppo4j.learner.device}. */
    Device device(String key) {
        return Devices.parse(config.getString(key), key);
    }
}
