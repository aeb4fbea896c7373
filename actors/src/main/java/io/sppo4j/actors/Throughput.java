package io.sppo4j.actors;

import java.util.ArrayDeque;
import java.util.Deque;

/** A running count's rate per second over roughly the last ten seconds (the learner's samples/s). */
final class Throughput {

    private static final long WINDOW_NANOS = 10_000_000_000L;

    private final Deque<long[]> window = new ArrayDeque<>();

    /** Records the count now and returns its rate over the window; 0 until time has passed. */
    double record(long count) {
        return record(count, System.nanoTime());
    }

    double record(long count, long nowNanos) {
        window.addLast(new long[] {nowNanos, count});
        while (window.size() > 2 && nowNanos - window.peekFirst()[0] > WINDOW_NANOS) {
            window.pollFirst();
        }
        long[] first = window.peekFirst();
        double seconds = (nowNanos - first[0]) / 1e9;
        return seconds > 0 ? (count - first[1]) / seconds : 0;
    }
}
