package io.sppo4j.cluster.cli;

import io.sppo4j.cluster.rolloutlog.RolloutLogException;
import io.sppo4j.cluster.rolloutlog.RolloutLogJson;
import io.sppo4j.cluster.rolloutlog.RolloutLogReader;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code sppo log}: the rollout log's files (length-delimited sppo4j.v1.RolloutLogRecord). */
@Command(
        name = "log",
        mixinStandardHelpOptions = true,
        description = "Read the rollout log (rollouts-NNNNNN.pb files of judged groups).",
        subcommands = {LogCommand.Cat.class})
public final class LogCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code sppo log cat FILE...}: every record as one JSON object per line. */
    @Command(
            name = "cat",
            mixinStandardHelpOptions = true,
            description = {
                "Print every record of the given rollout log files, in order, one JSON object per line:",
                "credit_id, prompt, version, learner_version, worker, judge, win_rates, preferences,",
                "samples (text, tokens, log-probs) and logged_at_millis.",
                "A truncated or damaged record ends the output with an error naming its file and number."
            })
    public static final class Cat implements Callable<Integer> {

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(arity = "1..*", paramLabel = "FILE", description = "Rollout log files (rollouts-NNNNNN.pb).")
        List<Path> files = new ArrayList<>();

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            for (Path file : files) {
                try (RolloutLogReader reader = RolloutLogReader.open(file)) {
                    while (reader.hasNext()) {
                        out.println(Json.line(RolloutLogJson.toMap(reader.next())));
                    }
                } catch (RolloutLogException e) {
                    out.flush();
                    err.println("error: " + e.getMessage());
                    err.flush();
                    return 2;
                } catch (java.nio.file.NoSuchFileException e) {
                    out.flush();
                    err.println("error: " + file + ": no such file");
                    err.flush();
                    return 2;
                } catch (IOException | java.io.UncheckedIOException e) {
                    out.flush();
                    err.println("error: " + file + ": " + e.getMessage());
                    err.flush();
                    return 2;
                }
            }
            out.flush();
            return 0;
        }
    }
}
