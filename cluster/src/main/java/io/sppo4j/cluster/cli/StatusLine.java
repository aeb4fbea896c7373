package io.sppo4j.cluster.cli;

import io.sppo4j.actors.Monitor;
import io.sppo4j.actors.monitor.EvalRecord;
import io.sppo4j.actors.monitor.StepRecord;
import io.sppo4j.actors.settings.LearnerSettings;
import io.sppo4j.actors.settings.Schedule;

import java.util.Locale;

/** The one-line status {@code sppo train} prints at a fixed interval. */
final class StatusLine {

    private StatusLine() {}

    static String format(Monitor.Report report, Schedule schedule, LearnerSettings learner) {
        if (report.steps().isEmpty()) {
            return "train: waiting for the first step (sampling and judging)";
        }
        StepRecord step = report.steps().get(report.steps().size() - 1);
        String target = schedule.async() ? "/" + learner.maxSteps() : "";
        String eval = "n/a";
        if (!report.evals().isEmpty()) {
            EvalRecord last = report.evals().get(report.evals().size() - 1);
            eval = String.format(Locale.ROOT, "%.3f (v%d)", last.winRate(), last.version());
        }
        String skipped = step.skippedSteps() > 0 ? " | skipped " + step.skippedSteps() : "";
        return String.format(Locale.ROOT,
                "train: step %d%s | v%d | %.1f samples/s | loss %.4f | win rate %s | staleness %.2f | dropped %d%s | %s",
                step.step(), target, step.version(), step.samplesPerSecond(), step.loss(), eval, step.meanStaleness(),
                step.droppedStale(), skipped, clock(step.elapsedSeconds()));
    }

    private static String clock(double seconds) {
        long s = Math.round(seconds);
        return String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
