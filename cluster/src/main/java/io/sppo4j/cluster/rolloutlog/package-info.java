/**
 * The rollout log: every judged group that reaches the learner, as length-delimited
 * {@code sppo4j.v1.RolloutLogRecord}s in numbered files ({@link io.sppo4j.cluster.rolloutlog.RolloutLogWriter}),
 * read back by {@link io.sppo4j.cluster.rolloutlog.RolloutLogReader} or by {@code sppo log cat},
 * or by any protobuf reader in any language.
 */
package io.sppo4j.cluster.rolloutlog;
