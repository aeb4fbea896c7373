package io.sppo4j.cluster.rolloutlog;

import io.sppo4j.actors.data.JudgedGroup;

import java.util.Objects;

/**
 * One record of the rollout log, as the actors' records.
 *
 * @param group the judged group as it reached the learner
 * @param learnerVersion the learner's version at arrival (its staleness is the difference)
 * @param loggedAtMillis wall-clock time the record was written
 */
public record LoggedGroup(JudgedGroup group, long learnerVersion, long loggedAtMillis) {

    public LoggedGroup {
        Objects.requireNonNull(group, "group");
    }
}
