package io.sppo4j.model.checkpoint;

import java.io.IOException;

/**
 * Runs the part of a checkpoint save that readers can see (the rename into place and the
 * removal of old checkpoints), and may refuse it. A learner that has lost its right to the
 * checkpoint directory (another learner took over while it was cut off or frozen) is refused
 * here, at write time, with a {@link CheckpointFencedException}.
 */
@FunctionalInterface
public interface CommitGuard {

    /** No fence: one process writes the store (a run in one JVM). */
    CommitGuard NONE = (step, change) -> change.run();

    /** The visible change of one save. */
    @FunctionalInterface
    interface Change {
        void run() throws IOException;
    }

    /**
     * Runs {@code change} if this writer may still write the store, else throws.
     *
     * @param step the step of the checkpoint being saved
     * @throws CheckpointFencedException when another writer holds the store now
     */
    void commit(long step, Change change) throws IOException;
}
