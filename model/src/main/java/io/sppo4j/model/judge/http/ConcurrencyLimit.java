package io.sppo4j.model.judge.http;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * A semaphore over asynchronous work that never blocks a thread: a task beyond the limit waits
 * in a queue and starts when a running one completes.
 */
final class ConcurrencyLimit {

    private final int permits;
    private final Deque<Runnable> waiting = new ArrayDeque<>();
    private int running;

    ConcurrencyLimit(int permits) {
        this.permits = permits;
    }

    /** Starts {@code task} now if a permit is free, else once one is; the permit is held until its future completes. */
    <T> CompletableFuture<T> submit(Supplier<CompletableFuture<T>> task) {
        CompletableFuture<T> result = new CompletableFuture<>();
        Runnable start = () -> {
            CompletableFuture<T> started;
            try {
                started = task.get();
            } catch (RuntimeException e) {
                started = CompletableFuture.failedFuture(e);
            }
            started.whenComplete((value, error) -> {
                // Completing before releasing lets whatever the outcome decides (say, to abandon
                // a failed group) happen before the next waiting task starts.
                if (error != null) {
                    result.completeExceptionally(error);
                } else {
                    result.complete(value);
                }
                release();
            });
        };
        boolean now;
        synchronized (this) {
            now = running < permits;
            if (now) {
                running++;
            } else {
                waiting.add(start);
            }
        }
        if (now) {
            start.run();
        }
        return result;
    }

    private void release() {
        Runnable next;
        synchronized (this) {
            next = waiting.poll();
            if (next == null) {
                running--;
            }
        }
        if (next != null) {
            next.run(); // the permit passes straight to the next task
        }
    }
}
