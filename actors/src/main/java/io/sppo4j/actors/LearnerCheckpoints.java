package io.sppo4j.actors;

import io.sppo4j.actors.metrics.LearnerMetrics;
import io.sppo4j.model.checkpoint.Checkpoint;
import io.sppo4j.model.checkpoint.CheckpointStore;
import io.sppo4j.model.checkpoint.CorruptCheckpointException;
import io.sppo4j.model.optim.Optimizer;
import io.sppo4j.model.policy.LanguageModel;
import io.sppo4j.model.policy.PolicyConfig;
import io.sppo4j.model.weights.ModelParameters;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;

/**
 * The learner's side of its checkpoint store: which checkpoint it resumes from, what it restores
 * from it, and what it saves. Without a store (tests, benchmarks) it resumes from nothing and
 * saves nothing.
 *
 * <p>A damaged checkpoint at resume is reported in one line naming the file at fault, and the
 * learner falls back to the newest intact one before it (counted in
 * {@code sppo_learner_damaged_checkpoints_total}): the steps since that one are trained again,
 * which is better than failing a run whose previous checkpoint is fine. When no checkpoint is
 * intact, resuming fails: training from scratch would silently discard the run.
 */
final class LearnerCheckpoints {

    /** Resuming is impossible: every checkpoint is damaged, or one does not fit the policy. */
    static final class ResumeFailed extends RuntimeException {
        ResumeFailed(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Where a resumed learner stands. */
    record Resumed(long step, long version, LearnerProgress progress) {
        static final Resumed FRESH = new Resumed(0, 0, LearnerProgress.START);
    }

    private final CheckpointStore store;
    private final PolicyConfig policyConfig;
    private final long seed;
    private final LearnerMetrics metrics;
    private final Logger log;

    LearnerCheckpoints(CheckpointStore store, PolicyConfig policyConfig, long seed, LearnerMetrics metrics, Logger log) {
        this.store = store;
        this.policyConfig = policyConfig;
        this.seed = seed;
        this.metrics = metrics;
        this.log = log;
    }

    /**
     * The newest checkpoint that loads intact, falling back over damaged ones; empty when there
     * is no store or no checkpoint in it.
     *
     * @throws ResumeFailed when checkpoints exist but none is intact, or the store cannot be read
     */
    Optional<Checkpoint> newestIntact() {
        if (store == null) {
            return Optional.empty();
        }
        List<Path> complete;
        try {
            complete = store.list();
        } catch (IOException e) {
            throw new ResumeFailed("cannot read the checkpoints in " + store.directory() + ": " + e.getMessage(), e);
        }
        CorruptCheckpointException newestDamage = null;
        for (int i = complete.size() - 1; i >= 0; i--) {
            try {
                Checkpoint checkpoint = store.load(complete.get(i));
                if (newestDamage != null) {
                    log.warn("resuming from {} instead", complete.get(i));
                }
                return Optional.of(checkpoint);
            } catch (CorruptCheckpointException damaged) {
                metrics.damagedCheckpoint();
                log.warn("damaged checkpoint, not resumed from: {}", damaged.getMessage());
                newestDamage = newestDamage == null ? damaged : newestDamage;
            } catch (IOException e) {
                throw new ResumeFailed("cannot read checkpoint " + complete.get(i) + ": " + e.getMessage(), e);
            }
        }
        if (newestDamage != null) {
            throw new ResumeFailed("cannot resume: no intact checkpoint in " + store.directory()
                    + "; the newest is damaged: " + newestDamage.getMessage()
                    + " (move the directory away, or train with --fresh)", newestDamage);
        }
        return Optional.empty();
    }

    /**
     * Loads the checkpoint's weights into {@code policy} and its state into {@code optimizer}.
     *
     * @throws ResumeFailed naming the checkpoint when it does not fit the policy
     */
    Resumed restore(Checkpoint checkpoint, LanguageModel policy, Optimizer optimizer) {
        try {
            LearnerProgress progress = LearnerProgress.fromExtras(checkpoint.extra());
            requireSameTags(checkpoint, policy);
            checkpoint.restoreInto(policy);
            if (checkpoint.optimizer() != null) {
                optimizer.restoreState(checkpoint.optimizer(), policy);
            }
            log.info("resumed from checkpoint at step {}, version {}", checkpoint.step(), checkpoint.version());
            return new Resumed(checkpoint.step(), checkpoint.version(), progress);
        } catch (IllegalArgumentException e) {
            throw new ResumeFailed("cannot resume from the checkpoint of step " + checkpoint.step() + " in "
                    + store.directory() + ": " + e.getMessage(), e);
        }
    }

    /**
     * A checkpoint taken of another base (a LoRA run whose base files changed) must not be
     * resumed: its adapters mean nothing on the new weights, yet they would load without error.
     */
    private static void requireSameTags(Checkpoint checkpoint, LanguageModel policy) {
        policy.checkpointTags().forEach((key, value) -> {
            if (key.endsWith("_checksum") && !value.equals(checkpoint.extra().get(key))) {
                throw new IllegalArgumentException(key + " is " + checkpoint.extra().get(key) + " in the checkpoint but "
                        + value + " for this run" + (checkpoint.extra().containsKey(key) ? " (the base files changed"
                        + " since the checkpoint: resume on the base it was trained on, or train with --fresh)" : ""));
            }
        });
    }

    /**
     * Saves the learner's state. A failed save is logged and training goes on: the previous
     * checkpoint is intact and the next save tries again.
     */
    void save(LanguageModel policy, Optimizer optimizer, long step, long version, LearnerProgress progress,
            String task, String schedule) {
        if (store == null) {
            return;
        }
        Map<String, String> extras = progress.toExtras(task, schedule);
        extras.putAll(policy.checkpointTags());
        Checkpoint checkpoint = new Checkpoint(
                policyConfig, version, step,
                ModelParameters.source(policy), // streamed from the live model: no copy of it
                optimizer.exportState(), seed, extras);
        try {
            store.save(checkpoint);
        } catch (IOException e) {
            log.error("checkpoint at step {} failed: {}", step, e.toString());
        }
    }
}
