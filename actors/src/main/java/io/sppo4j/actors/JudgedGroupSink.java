package io.sppo4j.actors;

import io.sppo4j.actors.data.JudgedGroup;

/**
 * Where the learner hands every judged group that reaches it, before it decides to train on it
 * or drop it: the rollout log. Called on the learner's thread, so implementations append and
 * return; the cluster module writes length-delimited protobuf records.
 */
public interface JudgedGroupSink extends AutoCloseable {

    /**
     * @param group the judged group as it arrived
     * @param learnerVersion the learner's version at arrival (its staleness is the difference)
     */
    void accept(JudgedGroup group, long learnerVersion);

    @Override
    void close();
}
