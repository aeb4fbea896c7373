package io.sppo4j.actors;

import io.sppo4j.model.nd.TorchThreads;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;

/**
 * Where judge calls run (the README's threading rule): on Pekko's blocking-IO dispatcher, never on
 * the calling actor's thread. A judge may wait seconds on its server (an LLM behind HTTP) or
 * compute for long (a reward model), and either would hold a thread of the compute dispatcher
 * that rollout workers, the learner and the evaluator sample and train on. A call that computes
 * gets the same PyTorch thread budget as a computing actor, set on the pool thread that runs it.
 */
final class JudgeCalls {

    /** A pool meant for threads that wait. */
    static final DispatcherSelector DISPATCHER = DispatcherSelector.blocking();

    private final Executor threads;
    private final int torchThreads;

    JudgeCalls(ActorSystem<?> system, int torchThreads) {
        this.threads = system.dispatchers().lookup(DISPATCHER);
        this.torchThreads = torchThreads;
    }

    /** Runs {@code call} on the judge pool; the future completes with its result or its failure. */
    <T> CompletableFuture<T> run(Supplier<T> call) {
        return CompletableFuture.supplyAsync(() -> {
            TorchThreads.limit(torchThreads);
            return call.get();
        }, threads);
    }
}
