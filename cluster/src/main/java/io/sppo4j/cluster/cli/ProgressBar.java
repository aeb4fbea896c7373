package io.sppo4j.cluster.cli;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;

/**
 * A one-line progress bar on a terminal, or a plain status line at most every
 * {@code interval} when output goes to a file or CI log (no carriage-return noise there).
 */
public final class ProgressBar implements AutoCloseable {

    private static final int WIDTH = 30;

    private final PrintStream out;
    private final String label;
    private final long total;
    private final boolean interactive;
    private final long intervalNanos;
    private final long started = System.nanoTime();
    private long lastPrinted;
    private long current;
    private String status = "";

    public ProgressBar(PrintStream out, String label, long total, Duration interval) {
        this.out = out;
        this.label = label;
        this.total = Math.max(1, total);
        this.interactive = System.console() != null && !"true".equalsIgnoreCase(System.getenv("CI"));
        this.intervalNanos = interactive ? 200_000_000L : interval.toNanos();
        this.lastPrinted = started - intervalNanos;
    }

    /** Moves to {@code done} of {@code total} with a short status (e.g. the current loss). */
    public void update(long done, String status) {
        this.current = done;
        this.status = status;
        long now = System.nanoTime();
        if (now - lastPrinted >= intervalNanos || done >= total) {
            lastPrinted = now;
            print(now);
        }
    }

    private void print(long now) {
        double fraction = Math.min(1.0, (double) current / total);
        double seconds = (now - started) / 1e9;
        double rate = current / Math.max(seconds, 1e-9);
        long etaSeconds = rate > 0 ? Math.round((total - current) / rate) : 0;
        String line = String.format(Locale.ROOT, "%s %s %d/%d %.1f/s eta %s %s",
                label, bar(fraction), current, total, rate, clock(etaSeconds), status);
        if (interactive) {
            out.print("\r" + line + "\u001b[K");
        } else {
            out.println(line);
        }
        out.flush();
    }

    private static String bar(double fraction) {
        int filled = (int) Math.round(fraction * WIDTH);
        return "[" + "=".repeat(filled) + (filled < WIDTH ? ">" + " ".repeat(WIDTH - filled - 1) : "") + "]";
    }

    private static String clock(long seconds) {
        return String.format(Locale.ROOT, "%d:%02d", seconds / 60, seconds % 60);
    }

    @Override
    public void close() {
        if (interactive) {
            out.println();
        }
        out.flush();
    }
}
