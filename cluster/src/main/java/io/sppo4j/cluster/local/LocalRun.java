package io.sppo4j.cluster.local;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.sppo4j.actors.Monitor;
import io.sppo4j.actors.Pipeline;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * Runs every role of a training run in one ActorSystem until the learner finishes and its
 * final version is evaluated, reporting the curves so far at a fixed interval.
 */
public final class LocalRun {

    private LocalRun() {}

    /**
     * The run stopped before the learner finished: its message says why in one line (the learner
     * failed: a damaged checkpoint store, too many skipped steps, an error in a step).
     */
    public static final class Failed extends RuntimeException {

        private final transient Monitor.Report report;

        Failed(String message, Throwable cause, Monitor.Report report) {
            super(message, cause);
            this.report = report;
        }

        /** The curves recorded up to the failure, or null when they could not be fetched. */
        public Monitor.Report report() {
            return report;
        }
    }

    /**
     * @param config the effective configuration (Pekko's settings included)
     * @param interval how often {@code progress} receives the curves so far
     * @return the final report
     * @throws Failed when the learner fails the run, with the curves recorded so far
     */
    public static Monitor.Report run(
            Pipeline.Setup setup, Config config, String systemName, Duration interval, Consumer<Monitor.Report> progress)
            throws Exception {
        CompletableFuture<Monitor.Report> completion = new CompletableFuture<>();
        ActorSystem<Pipeline.Command> system =
                ActorSystem.create(Pipeline.create(setup, completion), systemName, withPekkoLogging(config));
        try {
            while (true) {
                try {
                    return completion.get(interval.toMillis(), TimeUnit.MILLISECONDS);
                } catch (TimeoutException tick) {
                    progress.accept(report(system));
                } catch (ExecutionException failed) {
                    throw new Failed(failed.getCause().getMessage(), failed.getCause(), reportOrNull(system));
                }
            }
        } finally {
            system.terminate();
            system.getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
        }
    }

    private static Monitor.Report report(ActorSystem<Pipeline.Command> system) throws Exception {
        return AskPattern.<Pipeline.Command, Monitor.Report>ask(
                        system, Pipeline.GetReport::new, Duration.ofSeconds(30), system.scheduler())
                .toCompletableFuture().get(60, TimeUnit.SECONDS);
    }

    /** The curves so far, for a run that failed; null when the system cannot answer any more. */
    private static Monitor.Report reportOrNull(ActorSystem<Pipeline.Command> system) {
        try {
            return report(system);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (Exception e) {
            return null;
        }
    }

    /** Pekko logs through SLF4J like everything else, and never exits the JVM on its own. */
    static Config withPekkoLogging(Config config) {
        return ConfigFactory.parseMap(Map.of(
                        "pekko.loggers", List.of("org.apache.pekko.event.slf4j.Slf4jLogger"),
                        "pekko.logging-filter", "org.apache.pekko.event.slf4j.Slf4jLoggingFilter",
                        "pekko.coordinated-shutdown.exit-jvm", "off"))
                .withFallback(config);
    }
}
