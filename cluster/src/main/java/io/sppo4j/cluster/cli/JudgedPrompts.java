package io.sppo4j.cluster.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;

/**
 * One judge call per prompt, {@code parallel} prompts at a time (the HTTP judge bounds its own
 * requests; a model judge is asked one prompt at a time), in prompt order, with progress on
 * stderr. A judge's failure is the command's failure: nothing is filled in.
 */
final class JudgedPrompts {

    private JudgedPrompts() {}

    static <T> List<T> map(int prompts, int parallel, String what, IntFunction<T> judgePrompt) {
        ExecutorService pool = Executors.newFixedThreadPool(parallel);
        try {
            List<Future<T>> pending = new ArrayList<>(prompts);
            for (int i = 0; i < prompts; i++) {
                int prompt = i;
                pending.add(pool.submit(() -> judgePrompt.apply(prompt)));
            }
            List<T> results = new ArrayList<>(prompts);
            int every = Math.max(1, prompts / 20);
            for (int i = 0; i < prompts; i++) {
                results.add(pending.get(i).get());
                if ((i + 1) % every == 0 || i + 1 == prompts) {
                    System.err.printf("eval: %s %d/%d prompts%n", what, i + 1, prompts);
                }
            }
            return results;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException failure) {
                throw failure;
            }
            throw new IllegalStateException("judging failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while judging", e);
        } finally {
            pool.shutdownNow();
        }
    }
}
